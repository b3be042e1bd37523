using System.Runtime.InteropServices;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>
/// Cuts a big document into blocks of a few kilobytes, each a value of its own, so that the document is a
/// composite of them (as a chunk is of its modules) and a content-addressed store keeps it as a recipe of
/// blocks: an edit that changes a few lines makes a few new blocks, and the store writes those, not the
/// document again. A document's lines come from the fragment caches, which hand back the very same array
/// for a line that did not change; so a block whose lines are the very same arrays as the block that began
/// at the same place in the build before is that block (its bytes and its SHA-256 are reused) without a byte
/// of it being read; a block made anew whose bytes equal one of the build before's (lines rendered again the
/// same, or moved by an entry added above) is found by a hash of its bytes and becomes that value too. The cuts
/// depend on the lines themselves (after a line whose length and last bytes hash to a cut, within a minimum
/// and a maximum size), so a line added or removed moves only the cuts around it. One instance per document,
/// kept between builds of one project.
/// </summary>
public sealed class DocumentBlocks
{
    /// <summary>No cut before this many bytes: a recipe's line per block stays small against the block.</summary>
    private const int MinBytes = 1024;

    /// <summary>Always a cut past this many bytes (a run of long lines still splits).</summary>
    private const int MaxBytes = 32 * 1024;

    /// <summary>
    /// Blocks of the build before, by the index of their first part: the documents' lines keep their places from
    /// build to build unless entries come or go, so a block is looked for where it began (no hashing, no lookup).
    /// </summary>
    private Block?[] _lastAt = [];

    /// <summary>The same blocks by a hash of their bytes: a block whose lines were rendered again into equal bytes is found here.</summary>
    private Dictionary<ulong, List<Block>> _lastByBytes = [];

    /// <summary>Blocks the last document made anew, and took from the build before.</summary>
    public (int Made, int Reused) Counts { get; private set; }

    private sealed record Block(ReadOnlyMemory<byte>[] Parts, ArtifactContent Content, ulong BytesHash);

    /// <summary>The document the parts make, end to end, as a composite of blocks.</summary>
    public ArtifactContent Compose(IReadOnlyList<ReadOnlyMemory<byte>> parts)
    {
        var nextAt = new Block?[parts.Count];
        var nextByBytes = new Dictionary<ulong, List<Block>>();
        var blocks = new List<ReadOnlyMemory<byte>>();
        var sources = new List<ArtifactContent?>();
        int made = 0, reused = 0, start = 0, shift = 0;
        long size = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            size += part.Length;
            var line = part.Length > 2;
            var cut = size >= MaxBytes || (size >= MinBytes && line && CutsAfter(part.Span)) || i == parts.Count - 1;
            if (!cut)
            {
                continue;
            }

            var block = FindKept(parts, start, i, ref shift);
            if (block is null)
            {
                block = Make(parts, start, i, size);

                // Lines rendered again into the same bytes: the build before's value, so its SHA-256 is reused and a store has it.
                if (_lastByBytes.TryGetValue(block.BytesHash, out var equal)
                    && equal.Find(b => b.Content.Parts[0].Span.SequenceEqual(block.Content.Parts[0].Span)) is { } was)
                {
                    block = block with { Content = was.Content };
                    reused++;
                }
                else
                {
                    made++;
                }
            }
            else
            {
                reused++;
            }

            if (!nextByBytes.TryGetValue(block.BytesHash, out var sameBytes))
            {
                nextByBytes[block.BytesHash] = sameBytes = [];
            }

            sameBytes.Add(block);

            nextAt[start] = block;
            blocks.Add(block.Content.Parts[0]);
            sources.Add(block.Content);
            (start, size) = (i + 1, 0);
        }

        _lastAt = nextAt;
        _lastByBytes = nextByBytes;
        Counts = (made, reused);
        return ArtifactContent.Concat([.. blocks], [.. sources]);
    }

    /// <summary>
    /// A line is a cut point about one time in four, by a hash of its length and its last bytes (where a line's
    /// values end; lines of one shape often share a length): stable while the line is, and no more than 16
    /// bytes of it read.
    /// </summary>
    private static bool CutsAfter(ReadOnlySpan<byte> line) =>
        (System.IO.Hashing.XxHash3.HashToUInt64(line[Math.Max(0, line.Length - 16)..], line.Length) & 3) == 0;

    /// <summary>How far around its expected place a block of the build before is looked for, in parts.</summary>
    private const int Window = 64;

    /// <summary>
    /// The block of the build before with the very same parts as parts[from..to]: where it began then, shifted by
    /// as many parts as entries added or removed above moved it (<paramref name="shift"/>, learnt from the last
    /// block found), else within <see cref="Window"/> parts of that place. Reference comparisons only.
    /// </summary>
    private Block? FindKept(IReadOnlyList<ReadOnlyMemory<byte>> parts, int from, int to, ref int shift)
    {
        for (var d = 0; d <= 2 * Window; d++)
        {
            // The expected place first, then one part either side of it, two, and so on.
            var at = from - shift + ((d & 1) == 0 ? d / 2 : -(d + 1) / 2);
            if (at >= 0 && at < _lastAt.Length && _lastAt[at] is { } kept && SameParts(kept.Parts, parts, from, to))
            {
                shift = from - at;
                return kept;
            }
        }

        return null;
    }

    /// <summary>The very same memory, part for part (arrays by reference): no byte is compared.</summary>
    private static bool SameParts(ReadOnlyMemory<byte>[] kept, IReadOnlyList<ReadOnlyMemory<byte>> parts, int from, int to)
    {
        if (kept.Length != to - from + 1)
        {
            return false;
        }

        for (var i = 0; i < kept.Length; i++)
        {
            var (a, b) = (kept[i], parts[from + i]);
            if (a.Length != b.Length || !MemoryMarshal.TryGetArray(a, out var x) || !MemoryMarshal.TryGetArray(b, out var y)
                || !ReferenceEquals(x.Array, y.Array) || x.Offset != y.Offset)
            {
                return false;
            }
        }

        return true;
    }

    private static Block Make(IReadOnlyList<ReadOnlyMemory<byte>> parts, int from, int to, long size)
    {
        var bytes = new byte[size];
        var kept = new ReadOnlyMemory<byte>[to - from + 1];
        var at = 0;
        for (var i = from; i <= to; i++)
        {
            parts[i].Span.CopyTo(bytes.AsSpan(at));
            at += parts[i].Length;
            kept[i - from] = parts[i];
        }

        return new Block(kept, ArtifactContent.Of(bytes), System.IO.Hashing.XxHash3.HashToUInt64(bytes));
    }
}
