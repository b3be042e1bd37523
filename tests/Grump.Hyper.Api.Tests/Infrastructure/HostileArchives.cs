using System.Formats.Tar;
using System.Net;
using System.Text;

namespace Grump.Hyper.Api.Tests.Infrastructure;

/// <summary>One archive of every hostile class, with the status and problem code it must get under <see cref="Limits"/>.</summary>
public static class HostileArchives
{
    /// <summary>Small limits so each case stays small and fast.</summary>
    public static IReadOnlyDictionary<string, string?> Limits { get; } = new Dictionary<string, string?>
    {
        ["Hyper:Limits:MaxArchiveBytes"] = "300000",
        ["Hyper:Limits:MaxEntries"] = "50",
        ["Hyper:Limits:MaxEntryBytes"] = "100000",
        ["Hyper:Limits:MaxTotalBytes"] = "200000",
        ["Hyper:Limits:MaxCompressionRatio"] = "50",
        ["Hyper:Limits:RatioCheckFromBytes"] = "20000",
        ["Hyper:Limits:MaxPathLength"] = "120",
        ["Hyper:Limits:MaxPathDepth"] = "6",
        ["Hyper:RateLimits:SubmitPerSecond"] = "1000",
        ["Hyper:RateLimits:SubmitBurst"] = "1000",
    };

    private static byte[] T(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] ZipWithMode(string name, uint unixMode) => Archives.ZipWithModes([(name, T("target"), unixMode)]);

    private static byte[] Noise(int bytes)
    {
        var data = new byte[bytes];
        new Random(7).NextBytes(data);
        return data;
    }

    public static TheoryData<string, byte[], HttpStatusCode, string> All => new()
    {
        { "zip slip", Archives.Zip([("ok.intent", T("x")), ("../../etc/cron.d/x.intent", T("x"))]), HttpStatusCode.UnprocessableEntity, "archive-path-traversal" },
        { "tar slip", Archives.TarGz([("a/../../x.intent", T("x"))]), HttpStatusCode.UnprocessableEntity, "archive-path-traversal" },
        { "absolute path", Archives.TarGz([("/etc/passwd", T("x"))]), HttpStatusCode.UnprocessableEntity, "archive-absolute-path" },
        { "backslash path", Archives.Zip([("a\\b.intent", T("x"))]), HttpStatusCode.UnprocessableEntity, "archive-invalid-path" },
        { "tar symlink", Archives.TarGz([new PaxTarEntry(TarEntryType.SymbolicLink, "x.intent") { LinkName = "/etc/passwd" }]), HttpStatusCode.UnprocessableEntity, "archive-link" },
        { "tar hardlink", Archives.TarGz([Archives.Entry("a.intent", T("x")), new PaxTarEntry(TarEntryType.HardLink, "b.intent") { LinkName = "a.intent" }]), HttpStatusCode.UnprocessableEntity, "archive-link" },
        { "zip symlink", ZipWithMode("x.intent", 0xA1FF), HttpStatusCode.UnprocessableEntity, "archive-link" },
        { "tar device", Archives.TarGz([new PaxTarEntry(TarEntryType.BlockDevice, "sda")]), HttpStatusCode.UnprocessableEntity, "archive-special-entry" },
        { "zip fifo", ZipWithMode("pipe", 0x11B6), HttpStatusCode.UnprocessableEntity, "archive-special-entry" },
        { "duplicate path", Archives.Zip([("a.intent", T("x")), ("A.intent", T("y"))]), HttpStatusCode.UnprocessableEntity, "archive-duplicate-path" },
        { "too many entries", Archives.Zip(Enumerable.Range(0, 51).Select(i => ($"f{i}.intent", T("x")))), HttpStatusCode.RequestEntityTooLarge, "archive-too-many-entries" },
        { "entry too large", Archives.Zip([("big.intent", Noise(100_001))]), HttpStatusCode.RequestEntityTooLarge, "archive-entry-too-large" },
        { "total too large", Archives.Zip(Enumerable.Range(0, 3).Select(i => ($"f{i}.intent", Noise(90_000)))), HttpStatusCode.RequestEntityTooLarge, "archive-total-too-large" },
        { "zip bomb", Archives.Zip([("bomb.intent", new byte[99_000])]), HttpStatusCode.RequestEntityTooLarge, "archive-compression-ratio" },
        { "path too long", Archives.Zip([(new string('p', 121) + ".intent", T("x"))]), HttpStatusCode.UnprocessableEntity, "archive-path-too-long" },
        { "path too deep", Archives.Zip([("a/b/c/d/e/f/g.intent", T("x"))]), HttpStatusCode.UnprocessableEntity, "archive-path-too-deep" },
        { "truncated zip", Archives.Zip([("a.intent", T("Build a cart, a cart."))])[..40], HttpStatusCode.BadRequest, "archive-malformed" },
        { "not an archive", T("#!/bin/sh\necho hello"), HttpStatusCode.UnsupportedMediaType, "archive-unsupported-format" },
        { "request too large", Noise(300_001), HttpStatusCode.RequestEntityTooLarge, "archive-too-large" },
        { "tar long name of a gibibyte", Archives.Gzip(Archives.RawTarHeader("././@LongLink", 'L', 1L << 30), new byte[4096]), HttpStatusCode.RequestEntityTooLarge, "archive-metadata-too-large" },
        { "pax header of a gibibyte", Archives.Gzip(Archives.RawTarHeader("PaxHeaders/x", 'x', 1L << 30), new byte[4096]), HttpStatusCode.RequestEntityTooLarge, "archive-metadata-too-large" },
        // Four skipped entries, each under the file limit, half noise (about 2:1): only counting what inflates stops them.
        { "skipped entries that inflate", Archives.TarGz([.. Enumerable.Range(0, 4).Select(i => ($"__MACOSX/._{i}", Noise(47_500).Concat(new byte[47_500]).ToArray())), ("a.intent", T("Build a cart."))]), HttpStatusCode.RequestEntityTooLarge, "archive-total-too-large" },
    };
}
