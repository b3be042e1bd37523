using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grump.Hyper.Api.Tests.Infrastructure;

namespace Grump.Hyper.Api.Tests;

/// <summary>With Redis gone, readiness says so and submissions get a 503 problem, never a half-stored job.</summary>
public sealed class StorageOutageTests
{
    [Fact]
    public async Task When_redis_stops_readyz_reports_it_and_compile_answers_503()
    {
        var ct = TestContext.Current.CancellationToken;
        var redis = new RedisServer(); // a private server this test may stop
        await redis.InitializeAsync();
        await using var host = new HyperApiFactory { Redis = redis.NewDatabase() };
        var client = host.CreateClient();
        var ok = await JobClient.SubmitAsync(client, Archives.Zip(Archives.ExampleFiles("shop")), "shop.zip", cancellationToken: ct);
        Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);

        await redis.DisposeAsync();

        var ready = await client.GetAsync("/readyz", ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("degraded", (await ready.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("status").GetString());

        var refused = await JobClient.SubmitAsync(client, Archives.Zip(Archives.ExampleFiles("shop")), "shop.zip", cancellationToken: ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("storage-unavailable", (await refused.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("code").GetString());
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Empty(host.StoredFiles());
    }
}
