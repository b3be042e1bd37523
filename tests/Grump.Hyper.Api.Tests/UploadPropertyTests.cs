using System.Net;
using CsCheck;
using Grump.Hyper.Api.Tests.Infrastructure;

namespace Grump.Hyper.Api.Tests;

/// <summary>
/// Random archives over HTTP, built from random names, sizes and kinds and then possibly damaged: every
/// one answers 202 or a 4xx problem (never 5xx), and nothing is written outside the data folder.
/// </summary>
public sealed class UploadPropertyTests : IAsyncLifetime
{
    private readonly HyperApiFactory _factory = new() { Settings = HostileArchives.Limits };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private static readonly Gen<string> Segment = Gen.OneOf("a", "b.intent", "..", ".", "__MACOSX", ".DS_Store", "grump.json", "x\\y", "C:", "\u00e9", new string('p', 130));

    private static readonly Gen<(string Path, byte[] Content)> File = Gen.Select(Segment.Array[1, 7], Gen.Bool, Gen.Int[0, 120_000], Gen.Bool,
        (parts, rooted, size, noise) =>
        {
            var bytes = new byte[size];
            if (noise)
            {
                new Random(size).NextBytes(bytes);
            }

            return ((rooted ? "/" : "") + string.Join('/', parts), bytes);
        });

    private static readonly Gen<(bool Zip, (string Path, byte[] Content)[] Files, int Cut)> Uploads =
        Gen.Select(Gen.Bool, File.Array[0, 12], Gen.Int[-1, 2000], (zip, files, cut) => (zip, files, cut));

    [Fact]
    public async Task Random_uploads_answer_202_or_a_4xx_problem_and_never_write_outside_the_data_folder()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var parent = Path.GetDirectoryName(_factory.DataPath)!;
        var before = Directory.EnumerateFileSystemEntries(parent).ToHashSet();
        var samples = Uploads.Array[40].Single(_ => true, seed: "4f7Q2uNqz0ke");
        foreach (var (zip, files, cut) in samples)
        {
            byte[] archive;
            try
            {
                archive = zip ? Archives.Zip(files) : Archives.TarGz(files);
            }
            catch (ArgumentException)
            {
                continue; // a name the archive writer itself refuses
            }

            if (cut >= 0 && cut < archive.Length)
            {
                archive = archive[..cut];
            }

            using var content = new ByteArrayContent(archive);
            content.Headers.ContentType = new(zip ? "application/zip" : "application/gzip");
            var response = await client.PostAsync("/compile", content, ct);
            var status = (int)response.StatusCode;
            Assert.True(status == 202 || status is >= 400 and < 500, $"{status}: {await response.Content.ReadAsStringAsync(ct)}");
            if (status != 202)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        // Entries of the parent folder: the data folder and whatever other tests made, never a path an archive named.
        var after = Directory.EnumerateFileSystemEntries(parent).Where(e => !before.Contains(e));
        Assert.DoesNotContain(after, e => Path.GetFileName(e) is "a" or "b.intent" or "__MACOSX" or "grump.json" or "y");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz", ct)).StatusCode);
    }
}
