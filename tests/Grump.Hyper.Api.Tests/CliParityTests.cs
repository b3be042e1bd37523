using System.IO.Compression;
using Grump.Hyper.Api.Tests.Infrastructure;
using Grump.Hyper.Cli;

namespace Grump.Hyper.Api.Tests;

/// <summary>The service and the CLI share one code path: the same project gives the same artifacts.</summary>
public sealed class CliParityTests(HyperApiFactory factory) : IClassFixture<HyperApiFactory>
{
    [Fact]
    public async Task The_cli_and_the_service_give_identical_artifacts_for_the_example()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = factory.CreateClient();
        var response = await JobClient.SubmitAsync(client, Archives.TarGz(Archives.ExampleFiles("shop")), "shop.tar.gz", "aggressive", ct);
        var job = await JobClient.WaitForFinishAsync(client, response.Headers.Location!.ToString(), ct);
        var zipBytes = await client.GetByteArrayAsync($"/jobs/{job.GetProperty("id").GetString()}/artifacts.zip", ct);
        using var zip = new ZipArchive(new MemoryStream(zipBytes));

        var output = Directory.CreateTempSubdirectory("grump-parity-").FullName;
        try
        {
            Assert.Equal(0, CliApp.Run(["compile", Archives.ExampleFolder("shop"), "--out", output, "--tier", "conservative"], TextWriter.Null, TextWriter.Null));
            var cliFiles = Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(output, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(cliFiles, zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
            foreach (var entry in zip.Entries.Where(e => e.FullName != "metrics.json"))
            {
                using var stream = entry.Open();
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, ct);
                var cliBytes = await File.ReadAllBytesAsync(Path.Combine(output, entry.FullName), ct);
                Assert.True(buffer.ToArray().SequenceEqual(cliBytes), $"{entry.FullName} differs");
            }
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
