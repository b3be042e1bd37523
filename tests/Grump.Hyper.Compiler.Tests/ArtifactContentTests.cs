using System.Security.Cryptography;
using CsCheck;
using Grump.Hyper.Compiler.Emit;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// An artifact made of parts is hashed and written in gathered blocks (small parts copied together, large ones as they
/// are): whatever the parts' sizes and runs, its hash and its written bytes are those of the parts laid end to end.
/// </summary>
public sealed class ArtifactContentTests
{
    [Fact]
    public void Parts_of_any_sizes_hash_and_write_as_their_bytes_end_to_end()
    {
        // Sizes around the gathering's edges: empty parts and lines (runs of them long enough to fill the 64 KiB
        // gathering buffer more than once), mixed with parts just under and over the small-part size and larger ones.
        var line = Gen.Int[0, 120];
        var mixed = Gen.Frequency((20, line), (1, Gen.Int[4000, 4200]), (1, Gen.Int[60_000, 70_000]));
        var run = Gen.OneOf(line.Array[0, 3000], mixed.Array[0, 200]);
        Gen.Select(run.Array[1, 4], Gen.Int).Sample((runs, seed) =>
        {
            var random = new Random(seed);
            var parts = runs.Select(run => run.Select(length =>
            {
                var bytes = new byte[length + 2];
                random.NextBytes(bytes);
                return new ReadOnlyMemory<byte>(bytes, 1, length); // a slice, as a line of a larger buffer is
            }).ToArray()).ToArray();
            var whole = parts.SelectMany(run => run).SelectMany(part => part.ToArray()).ToArray();
            var content = ArtifactContent.Runs(parts, whole.Length);

            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(whole)), content.Sha256);
            using var written = new MemoryStream();
            content.WriteTo(written);
            Assert.Equal(whole, written.ToArray());
            using var writtenAsync = new MemoryStream();
            content.WriteToAsync(writtenAsync, TestContext.Current.CancellationToken).GetAwaiter().GetResult();
            Assert.Equal(whole, writtenAsync.ToArray());
        }, iter: 100);
    }

    /// <summary>
    /// Two values that share some runs (the very arrays, as a document shares its pages with the last build's) and
    /// differ in others are equal exactly when their bytes are: a shared run is passed over unread, and a run made
    /// again with the same bytes, or one with a byte changed, is compared byte for byte.
    /// </summary>
    [Fact]
    public void Values_sharing_runs_are_equal_exactly_when_their_bytes_are()
    {
        var run = Gen.Byte.Array[0, 6].Array[0, 5];
        Gen.Select(run.Array[1, 8], Gen.Int.Array[1, 8], Gen.Int).Sample((runs, kinds, seed) =>
        {
            var random = new Random(seed);
            var parts = runs.Select(r => r.Select(p => new ReadOnlyMemory<byte>(p)).ToArray()).ToArray();
            // Each run of the other value: the same array, a copy of it, its bytes as one part (laid out otherwise), or a
            // copy with one byte changed.
            var other = parts.Select((r, i) => (kinds[i % kinds.Length] & 7) switch
            {
                0 or 1 or 2 => r,
                3 => r.Select(p => new ReadOnlyMemory<byte>(p.ToArray())).ToArray(),
                4 or 5 => [new ReadOnlyMemory<byte>([.. r.SelectMany(p => p.ToArray())])],
                _ => r.Select((p, k) => k == 0 && p.Length > 0 ? new ReadOnlyMemory<byte>([.. p.Span[..^1], (byte)(p.Span[^1] ^ (1 + random.Next(255)))]) : p).ToArray(),
            }).ToArray();
            static byte[] Bytes(ReadOnlyMemory<byte>[][] r) => [.. r.SelectMany(x => x).SelectMany(p => p.ToArray())];
            var (a, b) = (ArtifactContent.Runs(parts, Bytes(parts).Length), ArtifactContent.Runs(other, Bytes(other).Length));
            var equal = Bytes(parts).AsSpan().SequenceEqual(Bytes(other));
            Assert.Equal(equal, a.ContentEquals(b));
            Assert.Equal(equal, b.ContentEquals(a));
        }, iter: 500);
    }
}
