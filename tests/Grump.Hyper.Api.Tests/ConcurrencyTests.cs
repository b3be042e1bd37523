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
public sealed class ConcurrencyTests(RedisFixture redis)
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
