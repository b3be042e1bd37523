using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Grump.Hyper.Engine.Archives;
using TestArchives = Grump.Hyper.Testing.Archives;

namespace Grump.Hyper.Engine.Tests;

/// <summary>
/// Archives whose headers or directories lie: every byte inflated counts, metadata has its own small
/// limit, and what is allocated while refusing stays near the limits, whatever the archive declares.
/// </summary>
public sealed class HostileArchiveLimitTests
{
    private static readonly ArchiveLimits Small = new()
    {
        MaxEntries = 50,
        MaxEntryBytes = 100_000,
        MaxTotalBytes = 200_000,
        MaxCompressionRatio = 1_000_000, // these cases are about declared sizes, not ratios
        RatioCheckFromBytes = 20_000,
    };

    private static byte[] Header(string name, char type, long size) => Grump.Hyper.Testing.Archives.RawTarHeader(name, type, size);

    private static byte[] Gzip(params byte[][] parts) => Grump.Hyper.Testing.Archives.Gzip(parts);

    /// <summary>Reads and returns the error, asserting that reading allocated at most <paramref name="maxAllocated"/> bytes.</summary>
    private static ArchiveError RefusedWithin(byte[] archive, long maxAllocated)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = ArchiveReader.Read(archive, Small);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.False(result.IsSuccess);
        Assert.True(allocated < maxAllocated, $"reading allocated {allocated} bytes");
        return result.Error!;
    }

    [Theory]
    [InlineData('L')] // GNU long name
    [InlineData('K')] // GNU long link name
    [InlineData('x')] // PAX extended header
    [InlineData('g')] // PAX global header
    public void A_tar_metadata_entry_that_declares_a_gibibyte_is_refused_before_it_is_allocated(char type)
    {
        var archive = Gzip(Header("././@LongLink", type, 1L << 30), new byte[4096]);
        var error = RefusedWithin(archive, maxAllocated: 4_000_000);
        Assert.Equal(ArchiveErrorKind.MetadataTooLarge, error.Kind);
        Assert.Equal("archive-metadata-too-large", error.Code);
    }

    [Fact]
    public void A_tar_file_that_declares_more_than_the_entry_limit_is_refused_at_its_header()
    {
        var archive = Gzip(Header("big.intent", '0', 1L << 33), new byte[4096]);
        var error = RefusedWithin(archive, maxAllocated: 4_000_000);
        Assert.Equal(ArchiveErrorKind.EntryTooLarge, error.Kind);
        Assert.Equal("big.intent", error.Entry);
    }

    [Fact]
    public void A_pax_size_record_that_overrides_a_small_header_is_seen()
    {
        const string record = "28 size=8589934592000000000\n"; // 28 bytes, its own length first
        var pax = Encoding.ASCII.GetBytes(record).Concat(new byte[512 - record.Length]).ToArray();
        var archive = Gzip(Header("PaxHeaders/a", 'x', record.Length), pax, Header("a.intent", '0', 0), new byte[1024]);
        Assert.Equal(ArchiveErrorKind.EntryTooLarge, RefusedWithin(archive, maxAllocated: 4_000_000).Kind);
    }

    [Fact]
    public void Skipped_entries_are_inflated_and_so_are_counted()
    {
        // Random bytes do not compress: the ratio stays low, and only the count of inflated bytes can stop it.
        var noise = new byte[1_000_000];
        new Random(3).NextBytes(noise);
        var archive = TestArchives.TarGz([TestArchives.Entry("__MACOSX/._junk", noise), TestArchives.Entry("a.intent", "Build a cart.")]);

        // The skipped entry is over the file limit, but only the inflation count can see it: it is never a file.
        var error = ArchiveReader.Read(archive, Small with { MaxEntryBytes = 2_000_000 }).Error;
        Assert.NotNull(error);
        Assert.Equal(ArchiveErrorKind.TotalTooLarge, error.Kind);
    }

    [Fact]
    public void A_zip_whose_directory_declares_less_than_its_data_is_refused_not_truncated()
    {
        var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("Build a cart and a checkout. ", 40)));
        var bytes = TestArchives.Zip([("a.intent", content)]);
        // Declare 10 bytes, in the local header (offset 22) and in the central directory entry (offset 24).
        var local = bytes.AsSpan().IndexOf("PK\u0003\u0004"u8);
        var central = bytes.AsSpan().IndexOf("PK\u0001\u0002"u8);
        BitConverter.GetBytes(10).CopyTo(bytes, local + 22);
        BitConverter.GetBytes(10).CopyTo(bytes, central + 24);

        var result = ArchiveReader.Read(bytes, ArchiveLimits.Default);
        Assert.False(result.IsSuccess);
        Assert.Equal(ArchiveErrorKind.Malformed, result.Error!.Kind);
        Assert.Contains("checksum", result.Error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zip_whose_end_record_declares_too_many_entries_is_refused_before_its_directory_is_read()
    {
        var bytes = TestArchives.Zip([("a.intent", TestArchives.Text("Build a cart."))]);
        var end = bytes.AsSpan().LastIndexOf("PK\u0005\u0006"u8);
        BitConverter.GetBytes((ushort)60_000).CopyTo(bytes, end + 8);
        BitConverter.GetBytes((ushort)60_000).CopyTo(bytes, end + 10);
        Assert.Equal(ArchiveErrorKind.TooManyEntries, ArchiveReader.Read(bytes, Small).Error!.Kind);
    }

    [Fact]
    public void A_well_formed_tar_gz_still_reads_through_the_guard()
    {
        // A GNU long name (over 100 characters) goes through an 'L' metadata entry.
        var archive = TestArchives.TarGz(TarEntryFormat.Gnu,
        [
            new GnuTarEntry(TarEntryType.RegularFile, "shop/" + new string('n', 120) + ".intent") { DataStream = new MemoryStream("Build a cart."u8.ToArray()) },
            new GnuTarEntry(TarEntryType.RegularFile, "shop/b.intent") { DataStream = new MemoryStream(new byte[1500]) },
        ]);
        var result = ArchiveReader.Read(archive, Small with { MaxPathLength = 200 });
        Assert.True(result.IsSuccess, result.Error?.Detail);
        Assert.Equal(["shop/" + new string('n', 120) + ".intent", "shop/b.intent"], result.Files!.Select(f => f.Path));
        Assert.Equal(1500, result.Files![1].Content.Length);
    }
}
