namespace Grump.Hyper.Compiler.Emit;

/// <summary>One of plan.json's batches as the parts of its line inside its brackets: its pieces with commas between.</summary>
internal sealed record BatchLine(ReadOnlyMemory<byte>[] Inside, BatchPieces.Piece[] Pieces);

/// <summary>
/// plan.json lists every task id twice, in its batch (a JSON array on a line of its own) and in the execution order (the
/// batches' insides joined). A batch is laid out from pieces of about <see cref="Every"/> quoted ids: a piece whose ids
/// are the very same lines (by reference) as a piece of the build before is that piece's bytes again. So a batch that
/// gains or loses a few tasks makes a few pieces instead of a copy of all its ids: at 100,000 files the first batch
/// holds tens of thousands of tasks, and copying the changed batches whole was an eighth of a 10-file edit's page faults.
/// </summary>
/// <remarks>
/// A piece ends after an id line whose identity hash says so, at <see cref="Most"/> ids, or at its batch's end, and is
/// found by its first line, so an id added or removed makes new pieces only around it (as <see cref="LineSegments"/>
/// does for lines). Where pieces are cut never shows in the bytes.
/// </remarks>
internal sealed class BatchPieces
{
    /// <summary>One id line in this many ends a piece.</summary>
    internal const int Every = 64;

    /// <summary>No piece has more ids than this.</summary>
    internal const int Most = 256;

    private static readonly ReadOnlyMemory<byte> Separator = ","u8.ToArray();

    /// <param name="Lines">Its ids' lines, to know it again by reference.</param>
    /// <param name="Last">Whether it ends its batch.</param>
    /// <param name="Bytes">The ids, comma-separated.</param>
    internal sealed record Piece(byte[][] Lines, bool Last, byte[] Bytes);

    /// <summary>The pieces of the build before and of this build, by first line.</summary>
    private readonly BuildTables<byte[], Piece> _pieces = new();

    /// <summary>Pieces made anew and kept by the last build.</summary>
    public (int Made, int Kept) Counts { get; private set; }

    private int _made;
    private int _kept;

    /// <summary>Starts a build: whatever a build abandoned half-way left is dropped.</summary>
    public void Begin()
    {
        _pieces.Begin();
        (_made, _kept) = (0, 0);
    }

    /// <summary>The build is done: its pieces are the ones the next build looks for.</summary>
    public void End()
    {
        _pieces.End();
        Counts = (_made, _kept);
    }

    /// <summary>A batch of the build before, kept whole: its pieces stay to be found by the next build.</summary>
    public void Keep(BatchLine line)
    {
        foreach (var piece in line.Pieces)
        {
            _pieces.Keep(piece.Lines[0], piece);
        }

        _kept += line.Pieces.Length;
    }

    /// <summary>A batch's line from its ids' lines (each a quoted id).</summary>
    public BatchLine Of(ReadOnlySpan<byte[]> ids)
    {
        var pieces = new List<Piece>((ids.Length / Every) + 1);
        var i = 0;
        while (i < ids.Length)
        {
            if (_pieces.TryGet(ids[i], out var kept) && i + kept.Lines.Length <= ids.Length
                && kept.Last == (i + kept.Lines.Length == ids.Length) && LineSegments.Same(kept.Lines, ids.Slice(i, kept.Lines.Length)))
            {
                _kept++;
            }
            else
            {
                var end = i;
                while (end < ids.Length - 1 && end - i + 1 < Most && !Cuts(ids[end]))
                {
                    end++;
                }

                kept = Make(ids[i..(end + 1)], end == ids.Length - 1);
                _made++;
            }

            pieces.Add(kept);
            _pieces.Keep(ids[i], kept);
            i += kept.Lines.Length;
        }

        var inside = new ReadOnlyMemory<byte>[Math.Max(0, (2 * pieces.Count) - 1)];
        for (var k = 0; k < pieces.Count; k++)
        {
            inside[2 * k] = pieces[k].Bytes;
            if (k + 1 < pieces.Count)
            {
                inside[(2 * k) + 1] = Separator;
            }
        }

        return new BatchLine(inside, [.. pieces]);
    }

    private static Piece Make(ReadOnlySpan<byte[]> lines, bool last)
    {
        var length = lines.Length - 1;
        foreach (var line in lines)
        {
            length += line.Length;
        }

        var bytes = new byte[length];
        var at = 0;
        for (var k = 0; k < lines.Length; k++)
        {
            if (k > 0)
            {
                bytes[at++] = (byte)',';
            }

            lines[k].CopyTo(bytes, at);
            at += lines[k].Length;
        }

        return new Piece(lines.ToArray(), last, bytes);
    }

    private static bool Cuts(byte[] line) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(line) % Every == 0;
}
