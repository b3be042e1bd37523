using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Grump.Hyper.Api.Tests;

/// <summary>Idempotency, Prefer: wait, listing with a cursor, cancel, rate limits.</summary>
public sealed class JobApiTests : IAsyncLifetime
{
    private readonly HyperApiFactory _factory = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, byte[] archive, string? idempotencyKey = null, string? prefer = null, string query = "", CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/compile" + query) { Content = new ByteArrayContent(archive) };
        request.Content.Headers.ContentType = new("application/zip");
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (prefer is not null)
        {
            request.Headers.Add("Prefer", prefer);
        }

        return await client.SendAsync(request, ct);
    }

    private static byte[] Small(string text) => Archives.Zip([("p/a.intent", Encoding.UTF8.GetBytes(text))]);

    [Fact]
    public async Task The_same_idempotency_key_and_body_give_the_same_job_and_another_body_is_422()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        // The same bytes twice: a zip built twice differs (entries carry the time they were made).
        var archive = Small("Build a cart.");
        var first = await PostAsync(client, archive, "key-1", ct: ct);
        var again = await PostAsync(client, archive, "key-1", ct: ct);
        var other = await PostAsync(client, Small("Build a blog."), "key-1", ct: ct);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Contains(again.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.OK });
        var firstId = (await first.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString();
        Assert.Equal(firstId, (await again.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Equal("idempotency-key-reused", (await other.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("code").GetString());
        var listed = await client.GetFromJsonAsync<JsonElement>("/jobs", ct);
        Assert.Equal(1, listed.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task A_retry_while_the_first_request_is_still_being_accepted_is_409()
    {
        var ct = TestContext.Current.CancellationToken;
        var archive = Small("Build a cart.");
        var store = _factory.Services.GetRequiredService<DataFolderStore>();
        var fingerprint = Endpoints.CompileApi.Fingerprint(new Endpoints.CompileApi.Submission(archive, null, null, null, null));
        Assert.Null(await store.ClaimIdempotencyKeyAsync("public", "key-in-flight", fingerprint, ct));

        var retry = await PostAsync(_factory.CreateClient(), archive, "key-in-flight", ct: ct);

        Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
        Assert.NotNull(retry.Headers.RetryAfter);
    }

    [Fact]
    public async Task A_refused_archive_frees_its_idempotency_key()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var bad = await PostAsync(client, Archives.Zip([("../x.intent", Encoding.UTF8.GetBytes("x"))]), "key-2", ct: ct);
        var good = await PostAsync(client, Small("Build a cart."), "key-2", ct: ct);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, good.StatusCode);
    }

    [Fact]
    public async Task Prefer_wait_answers_200_with_the_finished_job()
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await PostAsync(_factory.CreateClient(), Small("Build a cart with Stripe."), prefer: "wait=20", ct: ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("wait=20", response.Headers.GetValues("Preference-Applied").Single());
        var job = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Jobs_are_listed_newest_first_in_pages_and_filtered_by_label()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var ids = new List<string>();
        foreach (var label in new[] { "x", "y", "x" })
        {
            var r = await PostAsync(client, Small("Build a cart " + label + "."), query: "?label=" + label, ct: ct);
            ids.Add((await r.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!);
        }

        var first = await client.GetFromJsonAsync<JsonElement>("/jobs?limit=2", ct);
        Assert.Equal([ids[2], ids[1]], first.GetProperty("items").EnumerateArray().Select(j => j.GetProperty("id").GetString()));
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await client.GetFromJsonAsync<JsonElement>($"/jobs?limit=2&cursor={cursor}", ct);
        Assert.Equal([ids[0]], second.GetProperty("items").EnumerateArray().Select(j => j.GetProperty("id").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);

        var labelled = await client.GetFromJsonAsync<JsonElement>("/jobs?label=x", ct);
        Assert.Equal([ids[2], ids[0]], labelled.GetProperty("items").EnumerateArray().Select(j => j.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/jobs?status=sleeping", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/jobs?limit=1000", ct)).StatusCode);
    }

    [Fact]
    public async Task Cancelling_a_running_job_stops_it_without_a_result_and_a_finished_job_is_409()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var files = Enumerable.Range(0, 6000).Select(i => ($"big/m{i:0000}.intent", Encoding.UTF8.GetBytes(
            $"As a customer I want checkout with Stripe, a dashboard in React and search; no MongoDB. Module {i}."))).ToList();
        var response = await JobClient.SubmitAsync(client, Archives.Zip(files), "big.zip", "conservative", ct);
        var location = response.Headers.Location!.ToString();

        var cancel = await client.DeleteAsync(location, ct);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var job = await JobClient.WaitForFinishAsync(client, location, ct);
        Assert.Equal("cancelled", job.GetProperty("status").GetString());
        var notFinished = await client.GetAsync(location + "/result", ct);
        Assert.Equal(HttpStatusCode.Conflict, notFinished.StatusCode);
        // One status member (RFC 9457's); the job's own status is jobStatus, so strict JSON readers accept it.
        var problem = await notFinished.Content.ReadAsStringAsync(ct);
        using (var strict = JsonDocument.Parse(problem))
        {
            Assert.Single(strict.RootElement.EnumerateObject(), p => p.Name == "status");
            Assert.Equal(409, strict.RootElement.GetProperty("status").GetInt32());
            Assert.Equal("cancelled", strict.RootElement.GetProperty("jobStatus").GetString());
        }

        Assert.Equal(HttpStatusCode.Conflict, (await client.DeleteAsync(location, ct)).StatusCode);

        // The compile job noticed and left no artifacts behind, even once it has had time to finish.
        var store = _factory.Services.GetRequiredService<DataFolderStore>();
        var id = job.GetProperty("id").GetString()!;
        var monitoring = _factory.Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
        await Grump.Hyper.Testing.Poll.UntilAsync(() => monitoring.ProcessingCount() == 0, TimeSpan.FromSeconds(30), () => "a job is still processing", ct, everyMilliseconds: 50);

        Assert.Equal(0, monitoring.ProcessingCount());
        Assert.Null(await store.ListArtifactsAsync(id, ct));
        Assert.Equal("cancelled", (await store.GetAsync(id, ct))!.Status);
    }

    [Fact]
    public async Task Submissions_over_the_tenant_rate_limit_get_429_with_retry_after()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var limited = new HyperApiFactory
        {
            Settings = new Dictionary<string, string?> { ["Hyper:RateLimits:SubmitPerSecond"] = "1", ["Hyper:RateLimits:SubmitBurst"] = "2" },
        };
        var client = limited.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await PostAsync(client, Small("Build a cart."), ct: ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        var refused = await PostAsync(client, Small("Build a cart."), ct: ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("rate-limited", (await refused.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("code").GetString());
    }
}
