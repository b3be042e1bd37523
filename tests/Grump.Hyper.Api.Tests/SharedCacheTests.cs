using System.Text;
using Grump.Hyper.Api.Tests.Infrastructure;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Engine.Caching;
using Grump.Hyper.Engine.Pipeline;
using StackExchange.Redis;

namespace Grump.Hyper.Api.Tests;

/// <summary>The L2 module cache on a real redis-server: what one process compiles, another reads back.</summary>
public sealed class SharedCacheTests(RedisFixture redis)
{
    private static List<SourceFile> Project() =>
    [
        .. Archives.ExampleFiles("shop").Select(f => new SourceFile(f.Path, f.Content)),
        new("broken.intent", Encoding.UTF8.GetBytes("---\nid: broken\nroute: nope\n---\nBuild a cart.\n")),
    ];

    [Fact]
    public async Task A_second_process_gets_every_module_from_redis_with_identical_artifacts()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.NewDatabase());
        var options = HyperOptions.Default with { Tier = CompileTier.Balanced };
        var first = new HyperCompiler(new ModuleCache(l2: new RedisModuleStore(connection))).Compile(Project(), options, cancellationToken: ct);
        Assert.Equal(0, first.Metrics.Cache.L2Hits);

        // Writes are fire-and-forget: wait until they are all there, with a deadline.
        await Grump.Hyper.Testing.Poll.UntilAsync(async () => await connection.GetServers()[0].DatabaseSizeAsync(connection.GetDatabase().Database) >= Project().Count - 1,
            TimeSpan.FromSeconds(10), () => "the cache writes did not all arrive", ct, everyMilliseconds: 20);

        var second = new HyperCompiler(new ModuleCache(l2: new RedisModuleStore(connection))).Compile(Project(), options, cancellationToken: ct);
        Assert.Equal("redis", second.Metrics.Cache.Level2);
        Assert.Equal(second.Metrics.Files, second.Metrics.Cache.L2Hits);
        Assert.True(second.Metrics.Cache.L2BytesServed > second.Metrics.Bytes, "L2 holds module JSON, which is larger than the sources");
        Assert.Equal(0, second.Metrics.Cache.Misses);
        Assert.Contains(second.Compilation.Diagnostics, d => d.File == "broken.intent" && d.IsError);
        foreach (var (path, content) in first.Artifacts.Where(a => a.Key != ArtifactSet.Metrics))
        {
            Assert.Equal(content.ToArray(), second.Artifacts[path]);
        }
    }

    [Fact]
    public void Without_a_reachable_redis_the_cache_degrades_to_l1_and_still_compiles()
    {
        var port = RedisServer.FreePort();
        using var connection = ConnectionMultiplexer.Connect($"127.0.0.1:{port},abortConnect=false,connectTimeout=200,syncTimeout=200");
        var store = new RedisModuleStore(connection);
        var options = HyperOptions.Default with { Tier = CompileTier.Balanced };
        var result = new HyperCompiler(new ModuleCache(l2: store)).Compile(Project(), options, cancellationToken: TestContext.Current.CancellationToken);
        var baseline = new HyperCompiler().Compile(Project(), options with { Tier = CompileTier.Conservative }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(store.Errors > 0);
        Assert.Equal(0, result.Metrics.Cache.L2Hits);
        Assert.Equal(baseline.Artifacts[ArtifactSet.Manifest], result.Artifacts[ArtifactSet.Manifest]);
    }
}
