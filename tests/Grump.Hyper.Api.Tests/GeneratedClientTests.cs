using System.Security.Cryptography;
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
        var bytes = Archives.TarGz(Archives.ExampleFiles("shop"));
        using var archive = new MemoryStream(bytes);

        var key = Guid.NewGuid().ToString("n");
        var accepted = await client.SubmitCompileAsync(key, null!, new FileParameter(archive, "shop.tar.gz", "application/gzip"), Tier.Aggressive, "from-client", "", "", ct);
        Assert.Equal(JobStatus.Queued, accepted.Status);
        Assert.Equal(Tier.Aggressive, accepted.Tier);

        // The Idempotency-Key header the document declares: the same request again is the same job.
        using var same = new MemoryStream(bytes); // the client disposes what it sent
        var again = await client.SubmitCompileAsync(key, null!, new FileParameter(same, "shop.tar.gz", "application/gzip"), Tier.Aggressive, "from-client", "", "", ct);
        Assert.Equal(accepted.Id, again.Id);

        var job = await Grump.Hyper.Testing.Poll.UntilAsync(() => client.GetJobAsync(accepted.Id, null!, ct), j => j.Status is not (JobStatus.Queued or JobStatus.Running),
            TimeSpan.FromSeconds(60), j => "job did not finish: " + j.Status, ct);

        Assert.Equal(JobStatus.Succeeded, job.Status);
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

        var page = await client.ListJobsAsync(JobStatus.Succeeded, "from-client", 10, null, ct);
        Assert.Contains(page.Items, j => j.Id == job.Id);

        var conflict = await Assert.ThrowsAsync<ApiException<ProblemDetails>>(() => client.CancelJobAsync(job.Id, ct));
        Assert.Equal(409, conflict.StatusCode);
        Assert.Equal("urn:grump-hyper:problem:job-finished", conflict.Result.Type);

        var health = await client.ReadyzAsync(ct);
        Assert.Equal("ready", health.Status);
    }

    [Fact]
    public async Task The_generated_client_uploads_only_missing_blobs_and_compiles_a_manifest_with_prefer_wait()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = new GrumpHyperClient(factory.CreateClient());
        // Sources no other test uploaded (a line of their own), so every blob starts missing for this tenant.
        var run = Guid.NewGuid().ToString("n");
        var files = Archives.ExampleFiles("shop")
            .Select(f => f.Path.EndsWith(".intent", StringComparison.Ordinal) ? (f.Path, Content: [.. f.Content, .. Archives.Text($"\nThe team keeps notes of run {run}.\n")]) : f)
            .Select(f => (f.Path, f.Content, Sha: Convert.ToHexStringLower(SHA256.HashData(f.Content)))).ToList();

        var missing = await client.FindMissingBlobsAsync(new MissingBlobsRequest { Digests = [.. files.Select(f => f.Sha)] }, ct);
        var wanted = missing.Missing.ToHashSet(StringComparer.Ordinal);
        Assert.Equal(files.Count(f => f.Path.EndsWith(".intent", StringComparison.Ordinal)), files.Where(f => wanted.Contains(f.Sha)).DistinctBy(f => f.Sha).Count(f => f.Path.EndsWith(".intent", StringComparison.Ordinal)));
        var first = files.First(f => wanted.Contains(f.Sha));
        using (var one = new MemoryStream(first.Content))
        {
            await client.PutBlobAsync(first.Sha, one, ct);
        }

        using (var rest = new MemoryStream(Archives.TarGz(files.Where(f => wanted.Contains(f.Sha) && f.Sha != first.Sha).DistinctBy(f => f.Sha).Select(f => (f.Sha, f.Content)))))
        {
            await client.PutBlobsAsync(rest, ct);
        }

        Assert.Empty((await client.FindMissingBlobsAsync(new MissingBlobsRequest { Digests = [.. files.Select(f => f.Sha)] }, ct)).Missing);

        // Prefer: wait=30 holds the answer until the job has finished (200), so no poll is needed.
        var manifest = new CompileManifestRequest { Files = [.. files.Select(f => new DeclaredFile { Path = f.Path, Sha256 = f.Sha, Size = f.Content.Length })], Tier = Tier.Balanced, Label = "manifest-client" };
        var job = await client.SubmitManifestAsync(null!, "wait=30", manifest, ct);
        Assert.Equal(JobStatus.Succeeded, job.Status);
        Assert.Equal(14, job.Progress.FilesDone);

        // If-None-Match with the job's ETag: 304, which the generated client reports as an exception with that status.
        using var http = factory.CreateClient();
        using var response = await http.GetAsync($"/jobs/{job.Id}", ct);
        var etag = response.Headers.ETag!.ToString();
        var notModified = await Assert.ThrowsAsync<ApiException>(() => client.GetJobAsync(job.Id, etag, ct));
        Assert.Equal(304, notModified.StatusCode);
    }
}
