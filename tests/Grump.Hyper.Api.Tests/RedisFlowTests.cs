using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grump.Hyper.Api.Tests.Infrastructure;
using StackExchange.Redis;

namespace Grump.Hyper.Api.Tests;

/// <summary>The same flow on a real Redis, with two API hosts sharing it.</summary>
public sealed class RedisFlowTests(RedisFixture redis)
{
    [Fact]
    public async Task A_job_accepted_by_one_host_is_followed_and_read_on_another()
    {
        var ct = TestContext.Current.CancellationToken;
        var connection = redis.NewDatabase();
        await using var first = new HyperApiFactory { Redis = connection };
        await using var second = new HyperApiFactory { Redis = connection };
        var a = first.CreateClient();
        var b = second.CreateClient();

        var response = await JobClient.SubmitAsync(a, Archives.TarGz(Archives.ExampleFiles("shop")), "shop.tar.gz", "balanced", ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var job = await JobClient.WaitForFinishAsync(b, response.Headers.Location!.ToString(), ct);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        var result = await b.GetFromJsonAsync<JsonElement>($"/jobs/{job.GetProperty("id").GetString()}/result", ct);
        Assert.Equal(14, result.GetProperty("modules").GetArrayLength());

        var ready = await b.GetFromJsonAsync<JsonElement>("/readyz", ct);
        Assert.Contains("redis", ready.GetProperty("checks").GetProperty("store").GetString(), StringComparison.Ordinal);

        // Nothing was written to either host's data folder: Redis holds it all.
        Assert.Empty(first.StoredFiles());
        Assert.Empty(second.StoredFiles());
    }

    [Fact]
    public async Task A_rejected_archive_leaves_no_keys_in_redis()
    {
        var ct = TestContext.Current.CancellationToken;
        var connection = redis.NewDatabase();
        await using var host = new HyperApiFactory { Redis = connection };
        var client = host.CreateClient();
        using var mux = await ConnectionMultiplexer.ConnectAsync(connection);
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        var db = mux.GetDatabase().Database;
        var before = server.Keys(db, "grump:*").Count();

        var response = await JobClient.SubmitAsync(client, Archives.Zip([("../x.intent", Archives.Text("Build a cart."))]), "bad.zip", cancellationToken: ct);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(before, server.Keys(db, "grump:*").Count());
    }
}
