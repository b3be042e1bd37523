using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>
/// The immutable bytes of one artifact, whole or as parts laid end to end (a chunk is its members' own
/// JSON between a head and a tail, so it is never copied together in memory). Its SHA-256 is computed
/// at most once per value, the first time anyone asks: a value reused by the next build (a cached module,
/// an unchanged chunk, an unchanged document) is never hashed again.
/// </summary>
/// <remarks>
/// The parts are held as runs, each an array of parts: one run for a whole value or a chunk; for a big
/// document, one run per segment of lines (see <see cref="LineSegments"/>), so a build that keeps most
/// segments lays out one reference per segment, never an array of every part (a million at 100,000 files).
/// </remarks>
public sealed class ArtifactContent
{
    private readonly ReadOnlyMemory<byte>[][] _runs;
    private readonly ArtifactContent?[]? _sources;
    private string? _sha256;
    private IReadOnlyList<ReadOnlyMemory<byte>>? _partList;

    private ArtifactContent(ReadOnlyMemory<byte>[][] runs, ArtifactContent?[]? sources, long length)
    {
        (_runs, Length) = (runs, length);
        _sources = sources is not null && Array.Exists(sources, s => s is not null) ? sources : null;
    }

    private ArtifactContent(ReadOnlyMemory<byte>[][] runs, ArtifactContent?[]? sources)
        : this(runs, sources, LengthOf(runs))
    {
    }

    /// <summary>The bytes of the parts of every run (a plain loop: a delegate call per part showed in traces of the edit).</summary>
    internal static long LengthOf(ReadOnlySpan<ReadOnlyMemory<byte>[]> runs)
    {
        long length = 0;
        foreach (var run in runs)
        {
            foreach (var part in run)
            {
                length += part.Length;
            }
        }

        return length;
    }

    public long Length { get; }

    /// <summary>The parts in order; callers must not write to them.</summary>
    /// <remarks>
    /// Made once: readers index it per part. A value of several runs (a document) is listed part by part here, a
    /// copy; what reads every value (hashing, writing, comparing) walks the runs instead.
    /// </remarks>
    public IReadOnlyList<ReadOnlyMemory<byte>> Parts => _partList ??= _runs.Length == 1 ? _runs[0] : [.. _runs.SelectMany(r => r)];

    /// <summary>
    /// For each part, the artifact value it is the first bytes of (a chunk's members are their modules'
    /// JSON), else null: what lets a store keep a chunk as references to objects it already has. Empty when no
    /// part has one (see <see cref="IsComposite"/>).
    /// </summary>
    public IReadOnlyList<ArtifactContent?> PartSources => _sources ?? [];

    /// <summary>True when some part is a prefix of another artifact value.</summary>
    public bool IsComposite => _sources is not null;

    public static ArtifactContent Of(byte[] bytes) => new([[bytes]], null);

    /// <summary>Whole when it is one array (no copy to read it).</summary>
    public bool IsWhole => _runs.Length == 1 && _runs[0].Length == 1 && MemoryMarshal.TryGetArray(_runs[0][0], out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length;

    public static ArtifactContent Concat(ReadOnlyMemory<byte>[] parts) => new([parts], null);

    /// <summary>The parts of every run, end to end; the content owns the arrays from here.</summary>
    /// <param name="length">Their bytes, counted by the writer as it laid them out: a big document has about a million
    /// parts at 100,000 files, and summing them here walked 16 MB of part descriptors per build.</param>
    internal static ArtifactContent Runs(ReadOnlyMemory<byte>[][] runs, long length) => new(runs, null, length);

    /// <param name="sources">Per part, the value whose first bytes it is, or null.</param>
    public static ArtifactContent Concat(ReadOnlyMemory<byte>[] parts, ArtifactContent?[] sources)
    {
        if (sources.Length != parts.Length)
        {
            throw new ArgumentException("One source (or null) per part.", nameof(sources));
        }

        for (var i = 0; i < parts.Length; i++)
        {
            if (sources[i] is { } source && (source.Length < parts[i].Length || !source.IsWhole))
            {
                throw new ArgumentException("A part must be the first bytes of a whole value.", nameof(sources));
            }
        }

        return new([parts], sources);
    }

    /// <summary>Lowercase hex SHA-256 of the whole content, computed once.</summary>
    public string Sha256
    {
        get
        {
            if (_sha256 is { } known)
            {
                return known;
            }

            string hex;
            if (IsWhole)
            {
                hex = Convert.ToHexStringLower(SHA256.HashData(_runs[0][0].Span));
            }
            else
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                foreach (var block in Gathered())
                {
                    hash.AppendData(block.Span);
                }

                hex = Convert.ToHexStringLower(hash.GetHashAndReset());
            }

            return _sha256 = hex;
        }
    }

    /// <summary>The content as one array: the array itself when it is whole, else a copy (tests and small readers).</summary>
    public byte[] ToArray()
    {
        if (IsWhole)
        {
            return MemoryMarshal.TryGetArray(_runs[0][0], out var segment) ? segment.Array! : _runs[0][0].ToArray();
        }

        var whole = new byte[Length];
        var at = 0;
        foreach (var run in _runs)
        {
            foreach (var part in run)
            {
                part.Span.CopyTo(whole.AsSpan(at));
                at += part.Length;
            }
        }

        return whole;
    }

    /// <summary>Byte for byte, part boundaries aside. Parts that are the very same memory are not read.</summary>
    public bool ContentEquals(ArtifactContent other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (Length != other.Length)
        {
            return false;
        }

        if (SameShape(other) is { } equal)
        {
            return equal;
        }

        var a = new Cursor(_runs);
        var b = new Cursor(other._runs);
        while (!a.Done && !b.Done)
        {
            if (a.AtRunStart && b.AtRunStart && ReferenceEquals(a.Run, b.Run))
            {
                // A run both share (a document's page or segment the build before laid out): equal without a look at its
                // parts. An edit's documents share nearly all their runs with the last build's; walking their parts was
                // a tenth of a 1% edit at 10,000 files.
                a.SkipRun();
                b.SkipRun();
                continue;
            }

            var (x, y) = (a.Rest, b.Rest);
            if (x.Length == y.Length && SameMemory(x, y))
            {
                a.Skip(x.Length);
                b.Skip(y.Length);
                continue;
            }

            var n = Math.Min(x.Length, y.Length);
            if (!x.Span[..n].SequenceEqual(y.Span[..n]))
            {
                return false;
            }

            a.Skip(n);
            b.Skip(n);
        }

        return true;
    }

    /// <summary>
    /// Equality for two values laid out alike (as many runs, each of as many parts, of the same lengths): runs that are
    /// the very same array, parts that are the very same memory, compared no further; the rest byte for byte. Null when
    /// the layouts differ (then the bytes are walked as a stream). A chunk made again from the same members (an edit that
    /// left a module's JSON as it was) has the same parts: it was walked through the cursor, a step per part.
    /// </summary>
    private bool? SameShape(ArtifactContent other)
    {
        var (mine, theirs) = (_runs, other._runs);
        if (mine.Length != theirs.Length)
        {
            return null;
        }

        for (var r = 0; r < mine.Length; r++)
        {
            var (x, y) = (mine[r], theirs[r]);
            if (ReferenceEquals(x, y))
            {
                continue;
            }

            if (x.Length != y.Length)
            {
                return null;
            }

            for (var p = 0; p < x.Length; p++)
            {
                if (x[p].Equals(y[p]))
                {
                    continue; // the same array, offset and length
                }

                if (x[p].Length != y[p].Length)
                {
                    return null;
                }

                if (!x[p].Span.SequenceEqual(y[p].Span))
                {
                    return false; // at the same offset in both, as every part before had the same length
                }
            }
        }

        return true;
    }

    private static bool SameMemory(ReadOnlyMemory<byte> x, ReadOnlyMemory<byte> y) =>
        MemoryMarshal.TryGetArray(x, out var s) && MemoryMarshal.TryGetArray(y, out var t) && ReferenceEquals(s.Array, t.Array) && s.Offset == t.Offset;

    /// <summary>Where a walk over the runs has got to: the rest of the current part.</summary>
    private struct Cursor(ReadOnlyMemory<byte>[][] runs)
    {
        private int _run;
        private int _part;
        private int _at;

        public bool Done
        {
            get
            {
                // Past empty parts and runs first.
                while (_run < runs.Length && (_part == runs[_run].Length || runs[_run][_part].Length == _at))
                {
                    if (_part < runs[_run].Length)
                    {
                        (_part, _at) = (_part + 1, 0);
                    }
                    else
                    {
                        (_run, _part, _at) = (_run + 1, 0, 0);
                    }
                }

                return _run == runs.Length;
            }
        }

        public readonly ReadOnlyMemory<byte> Rest => runs[_run][_part][_at..];

        /// <summary>Whether the walk is at the first byte of a run (read after <see cref="Done"/>, which steps past empty parts).</summary>
        public readonly bool AtRunStart => _part == 0 && _at == 0;

        public readonly ReadOnlyMemory<byte>[] Run => runs[_run];

        public void Skip(int bytes) => _at += bytes;

        public void SkipRun() => (_run, _part, _at) = (_run + 1, 0, 0);
    }

    public void WriteTo(Stream stream)
    {
        foreach (var block in Gathered())
        {
            stream.Write(block.Span);
        }
    }

    public async Task WriteToAsync(Stream stream, CancellationToken cancellationToken)
    {
        foreach (var block in Gathered())
        {
            await stream.WriteAsync(block, cancellationToken);
        }
    }

    /// <summary>Writes the content at <paramref name="offset"/> of an open file, in gathered blocks (see <see cref="Gathered"/>).</summary>
    public void WriteTo(SafeFileHandle file, long offset)
    {
        foreach (var block in Gathered())
        {
            RandomAccess.Write(file, block.Span, offset);
            offset += block.Length;
        }
    }

    // A document's parts are its lines (about 110 bytes in graph.json and manifest.json, 550 in plan.json), and a hash
    // update or a stream write per part is a call per line. Measured on 31 MB in 500,000 parts of 30-100 bytes (round
    // 28, four runs): an async file write 69-105 ms per part, 55-64 ms gathered; the hash 38-55 ms either way (the same
    // bytes in one piece: 21 ms), so for parts that small, walking them is what the hash costs.
    private const int GatherBytes = 1 << 16;
    private const int SmallPart = 4096;

    /// <summary>
    /// The content in blocks: runs of small parts copied together into a pooled buffer, large parts as they are. The
    /// buffer is reused, so each block must be used before the next is asked for; it goes back to the pool when the
    /// walk ends, however it ends (a foreach disposes the walk).
    /// </summary>
    private IEnumerable<ReadOnlyMemory<byte>> Gathered()
    {
        var gather = ArrayPool<byte>.Shared.Rent(GatherBytes);
        try
        {
            var filled = 0;
            foreach (var run in _runs)
            {
                foreach (var part in run)
                {
                    if (part.Length >= SmallPart)
                    {
                        if (filled > 0)
                        {
                            yield return gather.AsMemory(0, filled);
                            filled = 0;
                        }

                        yield return part;
                        continue;
                    }

                    if (filled + part.Length > gather.Length)
                    {
                        yield return gather.AsMemory(0, filled);
                        filled = 0;
                    }

                    part.Span.CopyTo(gather.AsSpan(filled));
                    filled += part.Length;
                }
            }

            if (filled > 0)
            {
                yield return gather.AsMemory(0, filled);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(gather);
        }
    }
}
