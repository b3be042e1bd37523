using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using CsCheck;
using Grump.Hyper.Engine.Archives;
using TestArchives = Grump.Hyper.Testing.Archives;

namespace Grump.Hyper.Engine.Tests;

/// <summary>
/// Random archive structures (names, sizes, entry kinds, formats, damage): reading never throws, never
/// yields a path that leaves its folder or a file over the limits, and never allocates much past them.
/// </summary>
public sealed class ArchivePropertyTests
{
    private static readonly ArchiveLimits Limits = new()
    {
        MaxArchiveBytes = 2_000_000,
        MaxEntries = 40,
        MaxEntryBytes = 60_000,
        MaxTotalBytes = 150_000,
        MaxCompressionRatio = 50,
        RatioCheckFromBytes = 20_000,
        MaxPathLength = 120,
        MaxPathDepth = 6,
    };

    internal sealed record Entry(string Name, TarEntryType Kind, int Size, bool Noise);

    private static readonly Gen<string> Segment = Gen.OneOf("a", "b.intent", "..", ".", "", "__MACOSX", ".DS_Store", "C:", "x\\y", "\u00e9t\u00e9", "grump.json",
        new string('p', 130), "nul\0l", "  ", "a:b", "~");

    private static readonly Gen<string> Name = Gen.Select(Segment.Array[1, 8], Gen.Bool, (parts, rooted) => (rooted ? "/" : "") + string.Join('/', parts));

    private static readonly Gen<Entry> Entries = Gen.Select(Name,
        Gen.OneOf(TarEntryType.RegularFile, TarEntryType.RegularFile, TarEntryType.RegularFile, TarEntryType.Directory, TarEntryType.SymbolicLink,
            TarEntryType.HardLink, TarEntryType.Fifo, TarEntryType.CharacterDevice),
        Gen.Frequency((6, Gen.Int[0, 2_000]), (2, Gen.Int[2_000, 70_000]), (1, Gen.Int[70_000, 400_000])),
        Gen.Bool,
        (name, kind, size, noise) => new Entry(name, kind, size, noise));

    internal sealed record Case(Entry[] Entries, int Format, int Damage, int DamageAt);

    private static readonly Gen<Case> Cases = Gen.Select(Entries.Array[0, 50], Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[0, int.MaxValue],
        (entries, format, damage, at) => new Case(entries, format, damage, at));

    [Fact]
    public void Random_archives_are_read_safely_or_refused_with_a_reason()
    {
        var root = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "grump-archive-root"));
        Cases.Sample(c =>
        {
            var archive = Damage(Build(c), c);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var result = ArchiveReader.Read(archive, Limits);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            // Bounded by the limits and the upload, never by what the archive declares.
            Assert.True(allocated < (archive.Length * 4L) + (Limits.MaxTotalBytes * 6) + 8_000_000, $"allocated {allocated} bytes");
            Assert.True(result.IsSuccess ^ (result.Error is not null));
            if (!result.IsSuccess)
            {
                Assert.StartsWith("archive-", result.Error!.Code, StringComparison.Ordinal);
                Assert.False(string.IsNullOrWhiteSpace(result.Error.Detail));
                return;
            }

            Assert.True(result.Files!.Count <= Limits.MaxEntries);
            Assert.True(result.Files.Sum(f => (long)f.Content.Length) <= Limits.MaxTotalBytes);
            foreach (var file in result.Files)
            {
                Assert.True(file.Content.Length <= Limits.MaxEntryBytes);
                Assert.DoesNotContain('\\', file.Path);
                Assert.DoesNotContain('\0', file.Path);
                Assert.False(Path.IsPathRooted(file.Path), file.Path);
                Assert.DoesNotContain("..", file.Path.Split('/'));
                var full = Path.GetFullPath(Path.Combine(root, file.Path));
                Assert.StartsWith(root + Path.DirectorySeparatorChar, full, StringComparison.Ordinal);
            }
        }, iter: 300, seed: "0N0XIzNsQ0O2");
    }

    private static byte[] Damage(byte[] archive, Case c)
    {
        if (archive.Length == 0 || c.Damage == 0)
        {
            return archive;
        }

        var copy = archive.ToArray();
        var at = c.DamageAt % copy.Length;
        return c.Damage switch
        {
            1 => copy[..Math.Max(1, at)], // truncated
            2 => Flip(copy, at),
            _ => copy,
        };

        static byte[] Flip(byte[] bytes, int at)
        {
            bytes[at] ^= 0x5A;
            return bytes;
        }
    }

    private static byte[] Content(Entry e)
    {
        var bytes = new byte[e.Size];
        if (e.Noise)
        {
            new Random(e.Size).NextBytes(bytes);
        }
        else
        {
            Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("Build a cart. ", (e.Size / 14) + 1)))[..e.Size].CopyTo(bytes, 0);
        }

        return bytes;
    }

    private static byte[] Build(Case c)
    {
        if (c.Format == 0)
        {
            return TestArchives.ZipWithModes(c.Entries.Where(e => e.Name.Length > 0).Select(e => (e.Name, e.Kind == TarEntryType.Directory ? null : Content(e), e.Kind switch
            {
                TarEntryType.SymbolicLink => 0xA1FFu,
                TarEntryType.Fifo => 0x11B6u,
                _ => 0u,
            })));
        }

        using var buffer = new MemoryStream();
        {
            // Entry by entry, as a name the tar writer refuses is left out; the writers close at the end of this block.
            var format = c.Format switch
            {
                1 => TarEntryFormat.Pax,
                2 => TarEntryFormat.Gnu,
                _ => TarEntryFormat.Ustar,
            };
            using var gz = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true);
            using var tar = new TarWriter(gz, format);
            foreach (var e in c.Entries.Where(e => e.Name.Length > 0))
            {
                try
                {
                    TarEntry entry = format switch
                    {
                        TarEntryFormat.Pax => new PaxTarEntry(e.Kind, e.Name),
                        TarEntryFormat.Gnu => new GnuTarEntry(e.Kind, e.Name),
                        _ => new UstarTarEntry(e.Kind, e.Name),
                    };
                    if (e.Kind is TarEntryType.SymbolicLink or TarEntryType.HardLink)
                    {
                        entry.LinkName = "target.intent";
                    }

                    if (e.Kind == TarEntryType.RegularFile)
                    {
                        entry.DataStream = new MemoryStream(Content(e));
                    }

                    tar.WriteEntry(entry);
                }
                catch (ArgumentException)
                {
                    // A name the writer itself refuses (ustar's 100 + 155 split): left out, as a real tool would.
                }
            }
        }

        return buffer.ToArray();
    }
}
