using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>
/// Lays a big document out as blocks of a few kilobytes while its lines are written, so the document is
/// never a list of all its lines (a million parts at 100,000 files, made again every build) but a list of
/// blocks, and a content-addressed store can keep it as a recipe of blocks (as a chunk is of its modules):
/// an edit that changes a few lines makes a few new blocks.
/// </summary>
/// <remarks>
/// A document's lines come from the fragment caches, which hand back the very same array for a line that
/// did not change; so a block whose parts are the very same memory as a block of the build before is that
/// block (its bytes and its SHA-256 are reused) without a byte of it being read; a block made anew whose
/// bytes equal one of the build before's (lines rendered again the same) is found by a hash of its bytes
/// and becomes that value too.
/// Blocks of the build before are found by their last part (where a cut falls). The cuts depend on the
/// lines alone (after a line whose length and last bytes hash to a cut, within a minimum and a maximum
/// size), so the blocks are a function of the document, whatever the history, and a line added or removed
/// moves only the cuts around it.
/// One instance per document, kept between builds of one project; a document is written by one thread.
/// </remarks>
public sealed class DocumentBlocks
{
    /// <summary>No cut before this many bytes: a recipe's line per block stays small against the block.</summary>
    private const int MinBytes = 1024;

    /// <summary>Always a cut past this many bytes (a run of long lines still splits).</summary>
    private const int MaxBytes = 32 * 1024;

    /// <summary>A block: the memory it was laid out from (to know it again), its value and a hash of its bytes.</summary>
    private sealed record Block(ReadOnlyMemory<byte>[] Parts, ArtifactContent Content, ulong BytesHash);

    /// <summary>Blocks of the build before by their last part, and this build's so far (the two tables swap, so a build allocates none).</summary>
    private Dictionary<PartKey, Block> _last = [];
    private Dictionary<PartKey, Block> _next = [];

    /// <summary>The blocks by a hash of their bytes, the build before's and this build's.</summary>
    private Dictionary<ulong, Block> _lastByBytes = [];
    private Dictionary<ulong, Block> _nextByBytes = [];

    /// <summary>The parts of the block being laid out (reused from block to block).</summary>
    private ReadOnlyMemory<byte>[] _open = new ReadOnlyMemory<byte>[256];
    private int _openCount;
    private long _openSize;

    /// <summary>This document's blocks so far.</summary>
    private readonly List<Block> _blocks = [];
    private int _made;
    private int _reused;

    /// <summary>Blocks the last document made anew, and took from the build before.</summary>
    public (int Made, int Reused) Counts { get; private set; }

    /// <summary>The identity of a part: the array it lies in and where (its bytes are never read to compare).</summary>
    private readonly record struct PartKey(object? Array, int Offset, int Length)
    {
        public static PartKey Of(ReadOnlyMemory<byte> part) =>
            MemoryMarshal.TryGetArray(part, out var segment) ? new(segment.Array, segment.Offset, segment.Count) : new(null, 0, part.Length);

        public bool Equals(PartKey other) => ReferenceEquals(Array, other.Array) && Offset == other.Offset && Length == other.Length;

        public override int GetHashCode() => HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Array), Offset, Length);
    }

    /// <summary>Starts a document; whatever a document abandoned half-way (an exception while rendering) left open is dropped.</summary>
    public void Begin()
    {
        _open.AsSpan(0, _openCount).Clear();
        (_openCount, _openSize, _made, _reused) = (0, 0, 0, 0);
        _blocks.Clear();
        _next.Clear();
        _nextByBytes.Clear();
    }

    /// <summary>The next part of the document being written.</summary>
    public void Add(ReadOnlyMemory<byte> part)
    {
        if (_openCount == _open.Length)
        {
            Array.Resize(ref _open, _open.Length * 2);
        }

        _open[_openCount++] = part;
        _openSize += part.Length;

        // Separators (two bytes or fewer) are never a cut: a cut falls after a line.
        if (_openSize >= MaxBytes || (_openSize >= MinBytes && part.Length > 2 && CutsAfter(part.Span)))
        {
            Close();
        }
    }

    /// <summary>The document written since <see cref="Begin"/>, as a composite of its blocks.</summary>
    public ArtifactContent End()
    {
        if (_openCount > 0)
        {
            Close();
        }

        var parts = new ReadOnlyMemory<byte>[_blocks.Count];
        var sources = new ArtifactContent?[_blocks.Count];
        for (var i = 0; i < parts.Length; i++)
        {
            sources[i] = _blocks[i].Content;
            parts[i] = _blocks[i].Content.Parts[0];
        }

        (_last, _next) = (_next, _last);
        (_lastByBytes, _nextByBytes) = (_nextByBytes, _lastByBytes);
        _next.Clear();
        _nextByBytes.Clear();
        _blocks.Clear();
        Counts = (_made, _reused);
        return ArtifactContent.Concat(parts, sources);
    }

    /// <summary>The document the parts make, end to end, as a composite of blocks.</summary>
    public ArtifactContent Compose(IReadOnlyList<ReadOnlyMemory<byte>> parts)
    {
        Begin();
        for (var i = 0; i < parts.Count; i++)
        {
            Add(parts[i]);
        }

        return End();
    }

    /// <summary>
    /// A line is a cut point about one time in four, by a hash of its length and its last bytes (where a line's
    /// values end; lines of one shape often share a length): stable while the line is, and no more than 16
    /// bytes of it read.
    /// </summary>
    private static bool CutsAfter(ReadOnlySpan<byte> line) =>
        (XxHash3.HashToUInt64(line[Math.Max(0, line.Length - 16)..], line.Length) & 3) == 0;

    private void Close()
    {
        var open = _open.AsSpan(0, _openCount);
        var key = PartKey.Of(open[^1]);
        if (_last.TryGetValue(key, out var block) && SameParts(block.Parts, open))
        {
            _reused++;
        }
        else
        {
            block = Make(open, _openSize);

            // Lines rendered again into the same bytes: the build before's value, so its SHA-256 is reused and a store has it.
            if (_lastByBytes.TryGetValue(block.BytesHash, out var was) && was.Content.Parts[0].Span.SequenceEqual(block.Content.Parts[0].Span))
            {
                block = block with { Content = was.Content };
                _reused++;
            }
            else
            {
                _made++;
            }
        }

        _next[key] = block;
        _nextByBytes[block.BytesHash] = block;
        _blocks.Add(block);
        open.Clear(); // the scratch holds no line alive
        (_openCount, _openSize) = (0, 0);
    }

    /// <summary>The very same memory, part for part (arrays by reference): no byte is compared.</summary>
    private static bool SameParts(ReadOnlyMemory<byte>[] kept, ReadOnlySpan<ReadOnlyMemory<byte>> parts)
    {
        if (kept.Length != parts.Length)
        {
            return false;
        }

        for (var i = 0; i < kept.Length; i++)
        {
            if (!PartKey.Of(kept[i]).Equals(PartKey.Of(parts[i])))
            {
                return false;
            }
        }

        return true;
    }

    private static Block Make(ReadOnlySpan<ReadOnlyMemory<byte>> parts, long size)
    {
        var bytes = new byte[size];
        var at = 0;
        foreach (var part in parts)
        {
            part.Span.CopyTo(bytes.AsSpan(at));
            at += part.Length;
        }

        return new Block(parts.ToArray(), ArtifactContent.Of(bytes), XxHash3.HashToUInt64(bytes));
    }
}
