using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grump.Hyper.Api.Tests.Infrastructure;
using StackExchange.Redis;

namespace Grump.Hyper.Api.Tests;

/// <summary>
/// Fifty parallel submissions against the service as a real process, on each store: every one accepted,
/// every one succeeded, and no record left that is not one of them.
/// </summary>
public sealed class ConcurrencyTests(RedisServer redis)
{
    private const int Submissions = 50;

    public static TheoryData<string> Stores => ["filesystem", "redis"];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Fifty_parallel_submissions_are_all_accepted_and_all_succeed(string store)
    {
        var ct = TestContext.Current.CancellationToken;
        var connection = store == "redis" ? redis.NewDatabase() : null;
        var settings = new Dictionary<string, string>
        {
            ["Hyper__RateLimits__SubmitPerSecond"] = "1000",
            ["Hyper__RateLimits__SubmitBurst"] = "1000",
        };
        if (connection is not null)
        {
            settings["ConnectionStrings__Hangfire"] = connection;
        }

        await using var api = await HyperProcess.StartApiAsync(settings);
        using var client = new HttpClient { BaseAddress = api.Address, Timeout = TimeSpan.FromSeconds(100) };
        var responses = await Task.WhenAll(Enumerable.Range(0, Submissions).Select(async i =>
        {
            var archive = Archives.Zip([($"p{i}/a.intent", Archives.Text($"---\nid: a{i}\n---\nUsers can browse a catalog {i} and pay with Stripe.")), ($"p{i}/b.intent", Archives.Text("Build a cart."))]);
            using var response = await JobClient.SubmitAsync(client, archive, "p.zip", cancellationToken: ct);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(ct));
        }));

        Assert.All(responses, r => Assert.True(r.StatusCode == HttpStatusCode.Accepted, $"{r.StatusCode}: {r.Body}\n{api.RecentOutput}"));
        var ids = responses.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("id").GetString()!).ToHashSet();
        Assert.Equal(Submissions, ids.Count);
        foreach (var id in ids)
        {
            var job = await JobClient.WaitForFinishAsync(client, $"/jobs/{id}", ct, TimeSpan.FromSeconds(120));
            Assert.Equal("succeeded", job.GetProperty("status").GetString());
        }

        // No orphans: the tenant sees exactly these jobs, and nothing is left unfinished.
        var listed = new HashSet<string>();
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>("/jobs?limit=100" + (cursor is null ? "" : "&cursor=" + cursor), ct);
            listed.UnionWith(page.GetProperty("items").EnumerateArray().Select(j => j.GetProperty("id").GetString()!));
            cursor = page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        Assert.Equal(ids.Order(), listed.Order());
        if (connection is not null)
        {
            await using var mux = await ConnectionMultiplexer.ConnectAsync(connection);
            Assert.Equal(0, await mux.GetDatabase().SetLengthAsync("grump:unfinished-jobs"));
        }
        else
        {
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(api.DataPath, "active")));
        }
    }
}

/// <summary>
/// Content addressing on both stores: the same upload again shares every artifact, index and input list
/// with the build before it, so it stores next to nothing new, and both stores list the same artifacts.
/// </summary>
public sealed class ContentAddressingTests(RedisServer redis)
{
    private static async Task<(string Id, JsonElement[] Artifacts)> BuildAsync(HttpClient client, byte[] archive, CancellationToken ct)
    {
        var response = await JobClient.SubmitAsync(client, archive, "shop.tar.gz", "aggressive", ct);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
        Assert.Equal("succeeded", (await JobClient.WaitForFinishAsync(client, $"/jobs/{id}", ct)).GetProperty("status").GetString());
        var list = await client.GetFromJsonAsync<JsonElement>($"/jobs/{id}/artifacts", ct);
        return (id, [.. list.EnumerateArray()]);
    }

    private static IEnumerable<string> Deterministic(JsonElement[] artifacts) =>
        artifacts.Where(a => a.GetProperty("path").GetString() != "metrics.json").Select(a => a.GetRawText());

    [Fact]
    public async Task An_unchanged_resubmission_stores_next_to_nothing_and_both_stores_list_the_same_artifacts()
    {
        var ct = TestContext.Current.CancellationToken;
        var archive = Archives.TarGz(Archives.ExampleFiles("shop"));

        await using var files = new HyperApiFactory();
        var fileClient = files.CreateClient();
        var (_, first) = await BuildAsync(fileClient, archive, ct);
        long Stored() => Directory.EnumerateFiles(files.DataPath, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        var before = Stored();
        var (second, again) = await BuildAsync(fileClient, archive, ct);
        var grown = Stored() - before;
        Assert.Equal(Deterministic(first), Deterministic(again));
        Assert.True(grown < 32_000, $"an unchanged resubmission stored {grown} bytes");
        Assert.Equal(first.Length, again.Length); // metrics.json is listed too, in its place
        var metrics = await fileClient.GetAsync($"/jobs/{second}/artifacts/metrics.json", ct);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);

        var connection = redis.NewDatabase();
        await using var onRedis = new HyperApiFactory { Redis = connection };
        var redisClient = onRedis.CreateClient();
        var (_, viaRedis) = await BuildAsync(redisClient, archive, ct);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(connection);
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        var db = mux.GetDatabase().Database;
        var objects = server.Keys(db, "grump:object:*").Count();
        var (redisSecond, viaRedisAgain) = await BuildAsync(redisClient, archive, ct);

        Assert.Equal(Deterministic(first), Deterministic(viaRedis));
        Assert.Equal(Deterministic(viaRedis), Deterministic(viaRedisAgain));
        Assert.Equal(objects + 1, server.Keys(db, "grump:object:*").Count()); // only the new metrics.json
        var manifest = await redisClient.GetAsync($"/jobs/{redisSecond}/artifacts/manifest.json", ct);
        Assert.Equal(await (await fileClient.GetAsync($"/jobs/{second}/artifacts/manifest.json", ct)).Content.ReadAsByteArrayAsync(ct), await manifest.Content.ReadAsByteArrayAsync(ct));
    }
}
