using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grump.Hyper.Api.Tests.Infrastructure;
using StackExchange.Redis;

namespace Grump.Hyper.Api.Tests;

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
