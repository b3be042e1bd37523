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
}
