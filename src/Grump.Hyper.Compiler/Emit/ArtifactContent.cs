using System.Security.Cryptography;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>
/// The immutable bytes of one artifact, whole or as parts laid end to end (a chunk is its members' own
/// JSON between a head and a tail, so it is never copied together in memory). Its SHA-256 is computed
/// at most once per value, the first time anyone asks: a value reused by the next build (a cached module,
/// an unchanged chunk, an unchanged document) is never hashed again.
/// </summary>
public sealed class ArtifactContent
{
    // The parts are the first _count entries of _parts: a document laid out in an array sized from an estimate is
    // taken as it is, not copied to its exact length (at 100,000 files a document has a million parts, and the copy
    // and its large-object churn showed in traces of an edit). No sources array at all when no part has a source.
    private readonly ReadOnlyMemory<byte>[] _parts;
    private readonly int _count;
    private readonly ArtifactContent?[]? _sources;
    private string? _sha256;

    private ArtifactContent(ReadOnlyMemory<byte>[] parts, int count, ArtifactContent?[]? sources, long length)
    {
        _parts = parts;
        _count = count;
        _sources = sources is not null && Array.Exists(sources, s => s is not null) ? sources : null;
        Length = length;
    }

    public long Length { get; }

    /// <summary>The parts in order; callers must not write to them.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Parts => _count == _parts.Length ? _parts : new ArraySegment<ReadOnlyMemory<byte>>(_parts, 0, _count);

    /// <summary>
    /// For each part, the artifact value it is the first bytes of (a chunk's members are their modules'
    /// JSON), else null: what lets a store keep a chunk as references to objects it already has. Empty when no
    /// part has one (see <see cref="IsComposite"/>).
    /// </summary>
    public IReadOnlyList<ArtifactContent?> PartSources => _sources ?? [];

    /// <summary>True when some part is a prefix of another artifact value.</summary>
    public bool IsComposite => _sources is not null;

    public static ArtifactContent Of(byte[] bytes) => new([bytes], 1, null, bytes.Length);

    /// <summary>Whole when it is one array (no copy to read it).</summary>
    public bool IsWhole => _count == 1 && System.Runtime.InteropServices.MemoryMarshal.TryGetArray(_parts[0], out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length;

    public static ArtifactContent Concat(ReadOnlyMemory<byte>[] parts) => new(parts, parts.Length, null, LengthOf(parts, parts.Length));

    /// <summary>The first <paramref name="count"/> of <paramref name="parts"/>, which the content owns from here.</summary>
    internal static ArtifactContent Concat(ReadOnlyMemory<byte>[] parts, int count) => new(parts, count, null, LengthOf(parts, count));

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

        return new(parts, parts.Length, sources, LengthOf(parts, parts.Length));
    }

    // A plain loop: a document has 80,000 parts, and a delegate call per part showed in traces of the edit.
    private static long LengthOf(ReadOnlyMemory<byte>[] parts, int count)
    {
        long length = 0;
        foreach (var part in parts.AsSpan(0, count))
        {
            length += part.Length;
        }

        return length;
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
            if (_count == 1)
            {
                hex = Convert.ToHexStringLower(SHA256.HashData(_parts[0].Span));
            }
            else
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                foreach (var part in _parts.AsSpan(0, _count))
                {
                    hash.AppendData(part.Span);
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
            return System.Runtime.InteropServices.MemoryMarshal.TryGetArray(_parts[0], out var segment) ? segment.Array! : _parts[0].ToArray();
        }

        var whole = new byte[Length];
        var at = 0;
        foreach (var part in _parts.AsSpan(0, _count))
        {
            part.Span.CopyTo(whole.AsSpan(at));
            at += part.Length;
        }

        return whole;
    }

    /// <summary>Byte for byte, part boundaries aside.</summary>
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

        int i = 0, j = 0, at = 0, otherAt = 0;
        while (i < _count && j < other._count)
        {
            var a = _parts[i].Span[at..];
            var b = other._parts[j].Span[otherAt..];
            var n = Math.Min(a.Length, b.Length);
            if (!a[..n].SequenceEqual(b[..n]))
            {
                return false;
            }

            at += n;
            otherAt += n;
            if (at == _parts[i].Length)
            {
                i++;
                at = 0;
            }

            if (otherAt == other._parts[j].Length)
            {
                j++;
                otherAt = 0;
            }
        }

        return true;
    }

    public void WriteTo(Stream stream)
    {
        foreach (var part in _parts.AsSpan(0, _count))
        {
            stream.Write(part.Span);
        }
    }

    public async Task WriteToAsync(Stream stream, CancellationToken cancellationToken)
    {
        for (var i = 0; i < _count; i++)
        {
            await stream.WriteAsync(_parts[i], cancellationToken);
        }
    }
}
