using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Grump.Hyper.Engine.Archives;
using TestArchives = Grump.Hyper.Testing.Archives;

namespace Grump.Hyper.Engine.Tests;

public sealed class ArchiveReaderTests
{
    private static byte[] Zip(params (string Path, byte[] Content)[] files) => TestArchives.Zip(files);

    private static byte[] TarGz(params TarEntry[] entries) => TestArchives.TarGz(entries);

    private static TarEntry File(string path, string text = "Build a cart.") => TestArchives.Entry(path, text);

    private static byte[] Text(string s) => TestArchives.Text(s);

    private static ArchiveError Refused(byte[] archive, ArchiveLimits? limits = null)
    {
        var result = ArchiveReader.Read(archive, limits ?? ArchiveLimits.Default);
        Assert.False(result.IsSuccess);
        Assert.Null(result.Files);
        return result.Error!;
    }

    [Fact]
    public void A_zip_and_a_tar_gz_read_to_the_same_files()
    {
        var zip = ArchiveReader.Read(Zip(("shop/a.intent", Text("Build a cart.")), ("shop/b/c.intent", Text("Build a blog."))), ArchiveLimits.Default);
        var tar = ArchiveReader.Read(TarGz(File("shop/a.intent"), File("./shop/b/c.intent", "Build a blog.")), ArchiveLimits.Default);
        Assert.Equal(zip.Files!.Select(f => (f.Path, f.Sha256)), tar.Files!.Select(f => (f.Path, f.Sha256)));
        Assert.Equal(["shop/a.intent", "shop/b/c.intent"], zip.Files!.Select(f => f.Path));
    }

    [Fact]
    public void A_gnu_tar_gz_as_tar_czf_and_the_cli_write_it_reads_long_and_non_ascii_names_as_pax_does()
    {
        // GNU format keeps a name over 100 bytes in a long-name entry before its file, and writes names as UTF-8; the
        // inflater is read 64 KiB at a time, so the files are enough to cross that many times.
        string[] names = ["shop/" + new string('a', 110) + "/deep/" + new string('b', 100) + ".intent", "shop/café/naïve-日本.intent", .. ManyFiles(3_000).Select(f => f.Path)];
        var files = names.Select((name, i) => new Grump.Hyper.Compiler.Modules.SourceFile(name, Text($"Build item {i} of {new string('x', i % 700)}."))).ToList();
        var gnu = ArchiveReader.Read(TestArchives.TarGz(TarEntryFormat.Gnu, files), ArchiveLimits.Default);
        var pax = ArchiveReader.Read(TestArchives.TarGz(TarEntryFormat.Pax, files), ArchiveLimits.Default);
        Assert.Equal(files.Select(f => (f.Path, f.Sha256)), gnu.Files!.Select(f => (f.Path, f.Sha256)));
        Assert.Equal(gnu.Files!.Select(f => (f.Path, f.Sha256)), pax.Files!.Select(f => (f.Path, f.Sha256)));
    }

    /// <summary>Enough files that a zip's entries are inflated on every core this machine has (up to four).</summary>
    private static (string Path, byte[] Content)[] ManyFiles(int count) =>
        [.. Enumerable.Range(0, count).Select(i => ($"shop/{i % 37}/f{i:D5}.intent", Text($"Build a cart number {i} with {new string('x', i % 300)} inside.")))];

    [Fact]
    public void A_big_zip_inflated_on_several_cores_reads_as_its_tar_gz_does_in_order_and_hashed()
    {
        var files = ManyFiles(5000);
        var zip = ArchiveReader.Read(TestArchives.Zip(files), ArchiveLimits.Default);
        var tar = ArchiveReader.Read(TestArchives.TarGz(files), ArchiveLimits.Default);
        Assert.True(zip.IsSuccess, zip.Error?.Detail);
        Assert.True(tar.IsSuccess, tar.Error?.Detail);
        Assert.Equal(files.Select(f => f.Path), zip.Files!.Select(f => f.Path));
        Assert.Equal(tar.Files!.Select(f => (f.Path, f.Sha256)), zip.Files!.Select(f => (f.Path, f.Sha256)));
        Assert.Equal(files.Select(f => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(f.Content))), zip.Files!.Select(f => f.Sha256));
    }

    [Fact]
    public void A_big_zip_damaged_in_two_places_is_refused_at_the_earlier_one_every_time()
    {
        var files = ManyFiles(5000);
        var bytes = TestArchives.Zip(files);

        // Flip a byte of the compressed data of two files far apart (different cores' blocks): each fails its
        // checksum or its inflating, and the answer must name the earlier file however the cores interleave.
        foreach (var index in (int[])[4321, 1234])
        {
            var name = Encoding.UTF8.GetBytes(files[index].Path);
            var local = IndexOfLocalHeader(bytes, name);
            var data = local + 30 + name.Length + BitConverter.ToUInt16(bytes, local + 28);
            bytes[data + 2] ^= 0x55;
        }

        for (var run = 0; run < 5; run++)
        {
            var error = Refused(bytes);
            Assert.Equal((ArchiveErrorKind.Malformed, files[1234].Path), (error.Kind, error.Entry));
        }
    }

    [Fact]
    public void A_big_zip_over_the_total_is_refused_at_the_entry_that_crosses_it_whatever_the_cores()
    {
        var files = ManyFiles(3000);
        var total = files.Sum(f => (long)f.Content.Length);
        var limit = total / 2;
        var crossing = 0;
        for (long sum = 0; (sum += files[crossing].Content.Length) <= limit; crossing++)
        {
        }

        var error = Refused(TestArchives.Zip(files), ArchiveLimits.Default with { MaxTotalBytes = limit });
        Assert.Equal((ArchiveErrorKind.TotalTooLarge, files[crossing].Path), (error.Kind, error.Entry));
    }

    private static int IndexOfLocalHeader(byte[] zip, byte[] name)
    {
        for (var at = 0; (at = zip.AsSpan(at).IndexOf("PK\u0003\u0004"u8) is var found and >= 0 ? at + found : -1) >= 0; at += 4)
        {
            var length = BitConverter.ToUInt16(zip, at + 26);
            if (zip.AsSpan(at + 30, length).SequenceEqual(name))
            {
                return at;
            }
        }

        throw new InvalidOperationException("no such entry");
    }

    [Fact]
    public void Folders_and_macos_litter_are_left_out()
    {
        var files = ArchiveReader.Read(Zip(("shop/", []), ("shop/a.intent", Text("x")), ("__MACOSX/shop/._a.intent", Text("x")), ("shop/.DS_Store", Text("x"))), ArchiveLimits.Default).Files!;
        Assert.Equal(["shop/a.intent"], files.Select(f => f.Path));
    }

    public static TheoryData<string, byte[], ArchiveErrorKind> Hostile => new()
    {
        { "zip slip", Zip(("ok.intent", Text("x")), ("../../etc/passwd", Text("x"))), ArchiveErrorKind.PathTraversal },
        { "zip slip inside", Zip(("a/../../b.intent", Text("x"))), ArchiveErrorKind.PathTraversal },
        { "absolute", Zip(("/etc/passwd", Text("x"))), ArchiveErrorKind.AbsolutePath },
        { "drive letter", Zip(("C:/Windows/x.intent", Text("x"))), ArchiveErrorKind.AbsolutePath },
        { "backslash", Zip(("a\\..\\b.intent", Text("x"))), ArchiveErrorKind.InvalidPath },
        { "control character", Zip(("a\u0001.intent", Text("x"))), ArchiveErrorKind.InvalidPath },
        { "duplicate", Zip(("a.intent", Text("x")), ("a.intent", Text("y"))), ArchiveErrorKind.DuplicatePath },
        { "case duplicate", Zip(("A.intent", Text("x")), ("a.intent", Text("y"))), ArchiveErrorKind.DuplicatePath },
        { "tar symlink", TarGz(new PaxTarEntry(TarEntryType.SymbolicLink, "link.intent") { LinkName = "/etc/passwd" }), ArchiveErrorKind.Link },
        { "tar hardlink", TarGz(File("a.intent"), new PaxTarEntry(TarEntryType.HardLink, "b.intent") { LinkName = "a.intent" }), ArchiveErrorKind.Link },
        { "tar device", TarGz(new PaxTarEntry(TarEntryType.CharacterDevice, "null")), ArchiveErrorKind.SpecialEntry },
        { "tar fifo", TarGz(new PaxTarEntry(TarEntryType.Fifo, "pipe")), ArchiveErrorKind.SpecialEntry },
        { "tar traversal", TarGz(File("../up.intent")), ArchiveErrorKind.PathTraversal },
        { "too deep", Zip((string.Join('/', Enumerable.Repeat("d", 20)) + "/a.intent", Text("x"))), ArchiveErrorKind.PathTooDeep },
        { "too long", Zip((new string('a', 300) + ".intent", Text("x"))), ArchiveErrorKind.PathTooLong },
        { "not an archive", Text("hello, this is text"), ArchiveErrorKind.UnsupportedFormat },
        { "empty body", [], ArchiveErrorKind.UnsupportedFormat },
        { "truncated zip", Zip(("a.intent", Text("Build a cart, a cart, a cart.")))[..30], ArchiveErrorKind.Malformed },
        { "garbage gzip", [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5], ArchiveErrorKind.Malformed },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_hostile_archive_is_refused_with_its_kind(string name, byte[] archive, ArchiveErrorKind kind)
    {
        var error = Refused(archive);
        Assert.True(kind == error.Kind, $"{name}: expected {kind}, got {error.Kind}: {error.Detail}");
        Assert.StartsWith("archive-", error.Code, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(error.Detail));
    }

    [Fact]
    public void A_zip_symlink_is_refused()
    {
        var link = TestArchives.ZipWithModes([("link.intent", Text("/etc/passwd"), 0xA1FF)]); // S_IFLNK | 0777
        Assert.Equal(ArchiveErrorKind.Link, Refused(link).Kind);
    }

    [Fact]
    public void Too_many_entries_is_refused_with_the_limit()
    {
        var files = Enumerable.Range(0, 11).Select(i => ($"f{i}.intent", Text("x"))).ToArray();
        var error = Refused(Zip(files), ArchiveLimits.Default with { MaxEntries = 10 });
        Assert.Equal((ArchiveErrorKind.TooManyEntries, 10L), (error.Kind, error.Limit));
    }

    [Fact]
    public void An_entry_over_its_limit_is_refused_by_counting_real_bytes()
    {
        var error = Refused(TarGz(File("big.intent", new string('x', 5000))), ArchiveLimits.Default with { MaxEntryBytes = 4096, MaxCompressionRatio = 1e9 });
        Assert.Equal((ArchiveErrorKind.EntryTooLarge, "big.intent", 4096L), (error.Kind, error.Entry, error.Limit));
    }

    [Fact]
    public void The_total_over_its_limit_is_refused()
    {
        var files = Enumerable.Range(0, 5).Select(i => File($"f{i}.intent", new string('x', 1000))).ToArray();
        var error = Refused(TarGz(files), ArchiveLimits.Default with { MaxTotalBytes = 3000, MaxCompressionRatio = 1e9 });
        Assert.Equal(ArchiveErrorKind.TotalTooLarge, error.Kind);
    }

    [Fact]
    public void A_zip_bomb_is_refused_by_its_compression_ratio_before_it_is_expanded()
    {
        var bomb = Zip(("bomb.intent", new byte[50 * 1024 * 1024]));
        Assert.True(bomb.Length < 100_000);

        // With the size caps lifted, the ratio rule alone stops it long before 50 MiB.
        var error = Refused(bomb, ArchiveLimits.Default with { MaxEntryBytes = 1L << 30, MaxTotalBytes = 1L << 30 });
        Assert.Equal((ArchiveErrorKind.CompressionRatio, "bomb.intent"), (error.Kind, error.Entry));

        // With the defaults, the per-file cap gets there first.
        Assert.Equal(ArchiveErrorKind.EntryTooLarge, Refused(bomb).Kind);
    }

    [Fact]
    public void An_archive_over_the_request_limit_is_refused_before_reading()
    {
        var error = Refused(new byte[2048], ArchiveLimits.Default with { MaxArchiveBytes = 1024 });
        Assert.Equal((ArchiveErrorKind.TooLarge, 1024L), (error.Kind, error.Limit));
    }

    [Fact]
    public void A_tar_header_whose_base_256_number_overflows_is_refused_as_malformed()
    {
        // A plain tar of one file, then its uid field (offset 108, 8 bytes) made a base-256 number too big for its type.
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Ustar, leaveOpen: true))
        {
            writer.WriteEntry(File("a.intent"));
        }

        var tar = buffer.ToArray();
        tar[108] = 0x80; // base-256, positive
        tar.AsSpan(109, 7).Fill(0xFF);
        tar.AsSpan(148, 8).Fill((byte)' '); // the header's checksum again, so only the number is wrong
        var sum = tar.AsSpan(0, 512).ToArray().Sum(b => b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(tar, 148);
        Assert.Equal(ArchiveErrorKind.Malformed, Refused(tar).Kind);
    }

    /// <summary>An entry's bytes are read into an array of its declared size; a declaration that lies either way still gives what the stream holds, within the limits.</summary>
    [Theory]
    [InlineData(0, 0)]
    [InlineData(300, 300)]
    [InlineData(300, 120)]
    [InlineData(300, 700)]
    [InlineData(70_000, 300_000)]
    public void An_entry_keeps_exactly_the_bytes_its_stream_holds_whatever_it_declared(int actual, int declared)
    {
        var bytes = Enumerable.Range(0, actual).Select(i => (byte)(i * 7 + 1)).ToArray();
        var sink = new ArchiveReader.EntrySink(ArchiveLimits.Default, archiveBytes: actual + 1);
        Assert.Null(sink.Begin("shop/a.intent", isDirectory: false));

        Assert.Null(sink.Copy(new MemoryStream(bytes), compressedLength: null, declaredLength: declared));

        Assert.Equal(bytes, sink.LastContent);
        Assert.Equal(bytes, Assert.Single(sink.Files).Content.ToArray());
    }

    [Theory]
    [InlineData(2_000, 1_000)]
    [InlineData(2_000, 3_000)]
    public void An_entry_over_the_limit_is_refused_whatever_it_declared(int actual, int declared)
    {
        var sink = new ArchiveReader.EntrySink(ArchiveLimits.Default with { MaxEntryBytes = 1_500 }, archiveBytes: actual);
        Assert.Null(sink.Begin("shop/a.intent", isDirectory: false));

        var error = sink.Copy(new MemoryStream(new byte[actual]), compressedLength: null, declaredLength: declared);

        Assert.Equal(ArchiveErrorKind.EntryTooLarge, error?.Kind);
        Assert.Empty(sink.Files);
    }
}
