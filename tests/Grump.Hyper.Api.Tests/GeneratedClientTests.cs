using Grump.Hyper.Api.Tests.Infrastructure;
using Grump.Hyper.Client;

namespace Grump.Hyper.Api.Tests;

/// <summary>The whole flow through the client generated from openapi.yaml (NSwag), as an integrator would use it.</summary>
public sealed class GeneratedClientTests(HyperApiFactory factory) : IClassFixture<HyperApiFactory>
{
    [Fact]
    public async Task The_generated_client_submits_follows_and_downloads()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = new GrumpHyperClient(factory.CreateClient());
        using var archive = new MemoryStream(Archives.TarGz(Archives.ExampleFiles("shop")));

        var accepted = await client.SubmitCompileAsync(new FileParameter(archive, "shop.tar.gz", "application/gzip"), "aggressive", "from-client", "", "", ct);
        Assert.Equal("queued", accepted.Status);

        var job = await Grump.Hyper.Testing.Poll.UntilAsync(() => client.GetJobAsync(accepted.Id, ct), j => j.Status is not ("queued" or "running"), TimeSpan.FromSeconds(60), j => "job did not finish: " + j.Status, ct);

        Assert.Equal("succeeded", job.Status);
        Assert.True(job.Success);
        Assert.Equal(14, job.Progress.FilesDone);

        var result = await client.GetJobResultAsync(job.Id, ct);
        Assert.Equal(14, result.Modules.Count);

        var artifacts = await client.ListJobArtifactsAsync(job.Id, ct);
        Assert.Contains(artifacts, a => a.Path == "plan.json");
        using (var module = await client.GetJobArtifactAsync(job.Id, "modules/checkout.json", ct))
        using (var reader = new StreamReader(module.Stream))
        {
            Assert.Contains("\"id\": \"checkout\"", await reader.ReadToEndAsync(ct), StringComparison.Ordinal);
        }

        using (var zip = await client.GetJobArtifactsZipAsync(job.Id, ct))
        using (var downloaded = new System.IO.Compression.ZipArchive(zip.Stream))
        {
            Assert.Equal(artifacts.Count, downloaded.Entries.Count);
        }

        var page = await client.ListJobsAsync(null, "from-client", 10, null, ct);
        Assert.Contains(page.Items, j => j.Id == job.Id);

        var conflict = await Assert.ThrowsAsync<ApiException<ProblemDetails>>(() => client.CancelJobAsync(job.Id, ct));
        Assert.Equal(409, conflict.StatusCode);
        Assert.Equal("urn:grump-hyper:problem:job-finished", conflict.Result.Type);

        var health = await client.ReadyzAsync(ct);
        Assert.Equal("ready", health.Status);
    }
}
