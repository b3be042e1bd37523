using System.Security.Cryptography;
using Grump.Hyper.Api.Tests.Infrastructure;
using Grump.Hyper.Client.Kiota;
using Grump.Hyper.Client.Kiota.Models;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;

namespace Grump.Hyper.Api.Tests;

/// <summary>
/// The whole flow through a client Kiota generated from openapi.yaml (tests/Grump.Hyper.Client.Kiota): the
/// multipart upload, headers set per request, the blob upload and manifest, the enums, and a problem document
/// read as Kiota's typed error.
/// </summary>
public sealed class KiotaClientTests(HyperApiFactory factory) : IClassFixture<HyperApiFactory>
{
    private GrumpHyperKiotaClient Client()
    {
        var http = factory.CreateClient();
        return new GrumpHyperKiotaClient(new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http) { BaseUrl = http.BaseAddress!.ToString().TrimEnd('/') });
    }

    [Fact]
    public async Task The_kiota_client_submits_an_archive_follows_the_job_and_downloads()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = Client();

        // The multipart body Kiota generates for the one media type the operation offers.
        var form = new MultipartBody();
        form.AddOrReplacePart("archive", "application/gzip", new MemoryStream(Archives.TarGz(Archives.ExampleFiles("shop"))), "shop.tar.gz");
        form.AddOrReplacePart("tier", "text/plain", "aggressive");
        form.AddOrReplacePart("label", "text/plain", "from-kiota");
        var accepted = await client.Compile.PostAsync(form, cancellationToken: ct);
        Assert.Equal(JobStatus.Queued, accepted!.Status);
        Assert.Equal(Tier.Aggressive, accepted.Tier);

        var job = await Poll.UntilAsync(() => client.Jobs[accepted.Id].GetAsync(cancellationToken: ct), j => j!.Status is not (JobStatus.Queued or JobStatus.Running),
            TimeSpan.FromSeconds(60), j => "job did not finish: " + j!.Status, ct);
        Assert.Equal(JobStatus.Succeeded, job!.Status);
        Assert.Equal(14, job.Progress!.FilesDone);

        var result = await client.Jobs[job.Id].Result.GetAsync(cancellationToken: ct);
        Assert.Equal(14, result!.Modules!.Count);
        Assert.Contains(result.Plan!.Tasks!, t => t.Module == "checkout");

        var artifacts = await client.Jobs[job.Id].Artifacts.GetAsync(cancellationToken: ct);
        Assert.Contains(artifacts!, a => a.Path == "manifest.json" && a.Sha256!.Length == 64);
        await using (var module = await client.Jobs[job.Id].Artifacts["modules/checkout.json"].GetAsync(cancellationToken: ct))
        using (var reader = new StreamReader(module!))
        {
            Assert.Contains("\"id\": \"checkout\"", await reader.ReadToEndAsync(ct), StringComparison.Ordinal);
        }

        await using (var zip = await client.Jobs[job.Id].ArtifactsZip.GetAsync(cancellationToken: ct))
        using (var downloaded = new System.IO.Compression.ZipArchive(zip!))
        {
            Assert.Equal(artifacts!.Count, downloaded.Entries.Count);
        }

        var page = await client.Jobs.GetAsync(q => { q.QueryParameters.Label = "from-kiota"; q.QueryParameters.Status = JobStatus.Succeeded; }, ct);
        Assert.Contains(page!.Items!, j => j.Id == job.Id);

        // A problem document arrives as the generated ProblemDetails error, with its fields read.
        var conflict = await Assert.ThrowsAsync<ProblemDetails>(() => client.Jobs[job.Id].DeleteAsync(cancellationToken: ct));
        Assert.Equal(409, conflict.ResponseStatusCode);
        Assert.Equal("job-finished", conflict.Code);
    }

    [Fact]
    public async Task The_kiota_client_uploads_missing_blobs_and_compiles_a_manifest_with_headers()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = Client();
        var run = Guid.NewGuid().ToString("n");
        var files = Archives.ExampleFiles("shop")
            .Select(f => f.Path.EndsWith(".intent", StringComparison.Ordinal) ? (f.Path, Content: [.. f.Content, .. Archives.Text($"\nThe team keeps notes of kiota run {run}.\n")]) : f)
            .Select(f => (f.Path, f.Content, Sha: Convert.ToHexStringLower(SHA256.HashData(f.Content)))).ToList();

        var missing = (await client.Blobs.Missing.PostAsync(new MissingBlobsRequest { Digests = [.. files.Select(f => f.Sha)] }, cancellationToken: ct))!.Missing!.ToHashSet(StringComparer.Ordinal);
        Assert.Contains(files[^1].Sha, missing);
        var first = files.First(f => missing.Contains(f.Sha));
        await client.Blobs[first.Sha].PutAsync(new MemoryStream(first.Content), cancellationToken: ct);
        await client.Blobs.PostAsync(new MemoryStream(Archives.TarGz(files.Where(f => missing.Contains(f.Sha) && f.Sha != first.Sha).DistinctBy(f => f.Sha).Select(f => (f.Sha, f.Content)))), cancellationToken: ct);

        var manifest = new CompileManifestRequest
        {
            Files = [.. files.Select(f => new DeclaredFile { Path = f.Path, Sha256 = f.Sha, Size = f.Content.Length })],
            Tier = Tier.Conservative,
            Label = "kiota-manifest",
        };
        var key = Guid.NewGuid().ToString("n");
        void Headers(RequestConfiguration<DefaultQueryParameters> request)
        {
            request.Headers.Add("Idempotency-Key", key);
            request.Headers.Add("Prefer", "wait=30");
        }

        var job = await client.Compile.Manifest.PostAsync(manifest, Headers, ct);
        Assert.Equal(JobStatus.Succeeded, job!.Status);
        Assert.Equal(Tier.Conservative, job.Tier);

        // The same key and body again: the same job, not a second one.
        var again = await client.Compile.Manifest.PostAsync(manifest, Headers, ct);
        Assert.Equal(job.Id, again!.Id);
    }
}
