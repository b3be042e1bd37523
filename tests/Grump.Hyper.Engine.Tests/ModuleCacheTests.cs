using System.Text;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Engine.Caching;

namespace Grump.Hyper.Engine.Tests;

public sealed class ModuleCacheTests
{
    private static SourceFile File(int i, int bytes = 100) => new($"m{i}.intent", Encoding.UTF8.GetBytes("Build a cart. " + new string('x', bytes) + i));

    [Fact]
    public void A_first_sight_is_a_bloom_skip_and_a_second_is_a_hit_with_the_same_result()
    {
        var cache = new ModuleCache();
        var first = new CacheCounters();
        var a = cache.GetOrCompile(File(1), false, CompilationOptions.Default, first);
        var second = new CacheCounters();
        var b = cache.GetOrCompile(File(1), false, CompilationOptions.Default, second);

        Assert.Equal((0L, 1L, 1L), (first.Hits, first.Misses, first.BloomSkips));
        Assert.Equal((1L, 0L), (second.Hits, second.Misses));
        Assert.Same(a, b);
        Assert.Equal(1, cache.DistinctSources);
    }

    [Fact]
    public void The_key_covers_content_path_vendor_flag_and_options()
    {
        var file = File(1);
        var keys = new[]
        {
            ModuleCache.Key(file, false, CompilationOptions.Default),
            ModuleCache.Key(file with { Path = "other.intent" }, false, CompilationOptions.Default),
            ModuleCache.Key(file, true, CompilationOptions.Default),
            ModuleCache.Key(file, false, CompilationOptions.Default with { MaxSourceBytes = 10 }),
            ModuleCache.Key(File(2), false, CompilationOptions.Default),
        };
        Assert.Equal(keys.Length, keys.Distinct().Count());
    }

    [Fact]
    public void When_full_a_rarely_asked_newcomer_does_not_evict_a_popular_entry()
    {
        // Room for two entries of this size.
        var entry = ModuleCache.EstimateBytes(File(1, 1000), ModuleCompiler.Compile(File(1, 1000), false, CompilationOptions.Default));
        var cache = new ModuleCache(maxBytes: (2 * entry) + 100);
        var counters = new CacheCounters();
        for (var i = 0; i < 5; i++)
        {
            cache.GetOrCompile(File(1, 1000), false, CompilationOptions.Default, counters);
            cache.GetOrCompile(File(2, 1000), false, CompilationOptions.Default, counters);
        }

        cache.GetOrCompile(File(3, 1000), false, CompilationOptions.Default, counters); // asked once: not admitted
        var after = new CacheCounters();
        cache.GetOrCompile(File(1, 1000), false, CompilationOptions.Default, after);
        cache.GetOrCompile(File(2, 1000), false, CompilationOptions.Default, after);
        Assert.Equal(2, after.Hits);
        Assert.Equal(2, cache.Count);
    }
}
