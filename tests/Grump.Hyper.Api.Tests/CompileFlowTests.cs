using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grump.Hyper.Api.Tests.Infrastructure;

namespace Grump.Hyper.Api.Tests;

/// <summary>The walking skeleton on embedded defaults: upload, poll, read the result.</summary>
public sealed class CompileFlowTests(HyperApiFactory factory) : IClassFixture<HyperApiFactory>
{
    public static TheoryData<string> Formats => ["zip", "tar.gz"];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task The_example_compiles_through_the_queue_with_features_tech_and_negation(string format)
    {
        var ct = TestContext.Current.CancellationToken;
        var client = factory.CreateClient();
        var files = Archives.ExampleFiles("shop");
        var archive = format == "zip" ? Archives.Zip(files) : Archives.TarGz(files);

        var response = await JobClient.SubmitAsync(client, archive, "shop." + format, "aggressive", ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.NotNull(response.Headers.Location);
        Assert.NotNull(response.Headers.RetryAfter);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal("queued", accepted.GetProperty("status").GetString());
        Assert.Equal("aggressive", accepted.GetProperty("tier").GetString());

        var job = await JobClient.WaitForFinishAsync(client, response.Headers.Location!.ToString(), ct);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.True(job.GetProperty("success").GetBoolean());
        Assert.Equal(14, job.GetProperty("progress").GetProperty("filesDone").GetInt32());

        var result = await client.GetFromJsonAsync<JsonElement>($"/jobs/{job.GetProperty("id").GetString()}/result", ct);
        var modules = result.GetProperty("modules").EnumerateArray().ToDictionary(m => m.GetProperty("id").GetString()!);
        Assert.Equal(14, modules.Count);
        Assert.DoesNotContain("drafts/loyalty", modules.Keys);

        var checkout = modules["checkout"];
        var features = checkout.GetProperty("features").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);
        Assert.False(features["payments"].GetProperty("negated").GetBoolean());
        Assert.True(features["email"].GetProperty("negated").GetBoolean());
        Assert.True(features["sms"].GetProperty("negated").GetBoolean());
        Assert.Equal("integrate", features["shipping"].GetProperty("action").GetString());

        var tech = checkout.GetProperty("tech").EnumerateArray().ToDictionary(t => t.GetProperty("canonical").GetString()!);
        Assert.Equal("frontend", tech["react"].GetProperty("category").GetString());
        Assert.Equal("database", tech["postgresql"].GetProperty("category").GetString());
        Assert.True(tech["mongodb"].GetProperty("negated").GetBoolean());
        Assert.False(tech["react"].GetProperty("negated").GetBoolean());

        var manifest = result.GetProperty("manifest");
        Assert.Equal("shop", manifest.GetProperty("project").GetProperty("name").GetString());
        Assert.Equal(15, manifest.GetProperty("inputs").GetArrayLength()); // 14 sources and grump.json
    }

    [Fact]
    public async Task Artifacts_are_listed_with_hashes_and_served_one_by_one_and_as_a_zip()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = factory.CreateClient();
        var response = await JobClient.SubmitAsync(client, Archives.Zip(Archives.ExampleFiles("shop")), "shop.zip", cancellationToken: ct);
        var job = await JobClient.WaitForFinishAsync(client, response.Headers.Location!.ToString(), ct);
        var id = job.GetProperty("id").GetString();

        var list = await client.GetFromJsonAsync<JsonElement>($"/jobs/{id}/artifacts", ct);
        var paths = list.EnumerateArray().Select(a => a.GetProperty("path").GetString()).ToList();
        Assert.Contains("manifest.json", paths);
        Assert.Contains("diagnostics.json", paths);
        Assert.Contains("metrics.json", paths);
        Assert.Contains("modules/payments/stripe.json", paths);

        var stripe = await client.GetAsync($"/jobs/{id}/artifacts/modules/payments/stripe.json", ct);
        Assert.Equal(HttpStatusCode.OK, stripe.StatusCode);
        var body = await stripe.Content.ReadAsByteArrayAsync(ct);
        var listed = list.EnumerateArray().Single(a => a.GetProperty("path").GetString() == "modules/payments/stripe.json");
        Assert.Equal(listed.GetProperty("sha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)));

        var zip = await client.GetAsync($"/jobs/{id}/artifacts.zip", ct);
        Assert.Equal("application/zip", zip.Content.Headers.ContentType?.MediaType);
        using var archive = new System.IO.Compression.ZipArchive(await zip.Content.ReadAsStreamAsync(ct));
        Assert.Equal(paths.Count, archive.Entries.Count);

        var missing = await client.GetAsync($"/jobs/{id}/artifacts/modules/nope.json", ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_raw_body_form_with_query_options_is_accepted()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = factory.CreateClient();
        using var content = new ByteArrayContent(Archives.TarGz(Archives.ExampleFiles("shop")));
        content.Headers.ContentType = new("application/gzip");

        var response = await client.PostAsync("/compile?tier=conservative&label=nightly", content, ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await JobClient.WaitForFinishAsync(client, response.Headers.Location!.ToString(), ct);
        Assert.Equal("conservative", job.GetProperty("tier").GetString());
        Assert.Equal("nightly", job.GetProperty("label").GetString());
        Assert.Equal("conservative", job.GetProperty("metrics").GetProperty("tier").GetString());
    }

    [Fact]
    public async Task Status_sends_an_etag_and_answers_304_while_nothing_changed()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = factory.CreateClient();
        var response = await JobClient.SubmitAsync(client, Archives.Zip(Archives.ExampleFiles("shop")), "shop.zip", cancellationToken: ct);
        await JobClient.WaitForFinishAsync(client, response.Headers.Location!.ToString(), ct);

        var first = await client.GetAsync(response.Headers.Location, ct);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        using var request = new HttpRequestMessage(HttpMethod.Get, response.Headers.Location);
        request.Headers.IfNoneMatch.Add(etag);
        var second = await client.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [Fact]
    public async Task Result_of_an_unknown_job_is_a_404_problem()
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await factory.CreateClient().GetAsync("/jobs/0123456789abcdef0123456789abcdef/result", ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal("urn:grump-hyper:problem:job-not-found", problem.GetProperty("type").GetString());
        Assert.True(problem.TryGetProperty("traceId", out _));
    }

    [Fact]
    public async Task Health_and_readiness_answer_on_embedded_defaults()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz", ct)).StatusCode);
        var ready = await client.GetFromJsonAsync<JsonElement>("/readyz", ct);
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Contains("filesystem", ready.GetProperty("checks").GetProperty("store").GetString(), StringComparison.Ordinal);
    }
}
