using System.Text;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Engine.Caching;
using Grump.Hyper.Engine.Pipeline;
using Grump.Hyper.Testing;

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

    /// <summary>Asks for every file once; returns the hits.</summary>
    private static long Round(ModuleCache cache, IEnumerable<SourceFile> files)
    {
        var counters = new CacheCounters();
        foreach (var file in files)
        {
            cache.GetOrCompile(file, false, CompilationOptions.Default, counters);
        }

        cache.Settle();
        return counters.Hits;
    }

    [Fact]
    public void A_scan_of_one_off_sources_does_not_flush_the_modules_asked_for_again_and_again()
    {
        var cache = new ModuleCache(capacity: 100);
        var hot = Enumerable.Range(0, 50).Select(i => File(i)).ToList();
        for (var i = 0; i < 4; i++)
        {
            Round(cache, hot);
        }

        // Ten times the cache's size of sources seen once (another project's cold build, say).
        Round(cache, Enumerable.Range(1_000, 1_000).Select(i => File(i)));

        var hits = Round(cache, hot);
        Assert.True(hits >= 45, $"only {hits} of 50 popular modules survived a scan of 1,000 one-off ones");
        Assert.InRange(cache.Count, 1, 100);
    }

    [Fact]
    public void A_project_one_file_larger_than_the_cache_still_hits_on_most_of_it_when_rebuilt()
    {
        // First in, first out gets no hit at all on this pattern: each file is evicted just before it is asked for again.
        var cache = new ModuleCache(capacity: 100);
        var project = Enumerable.Range(0, 101).Select(i => File(i)).ToList();
        Round(cache, project);
        Round(cache, project);
        var hits = Round(cache, project);
        Assert.True(hits >= 80, $"only {hits} of 101 hits on a rebuild");
    }

    /// <summary>An L2 in memory that counts its round trips.</summary>
    private sealed class MemoryStore : IModuleStore
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> _values = new(StringComparer.Ordinal);

        public string Name => "memory";

        public int Puts;

        public int Asked;

        public byte[]?[] GetMany(IReadOnlyList<string> keys)
        {
            Interlocked.Add(ref Asked, keys.Count);
            return [.. keys.Select(k => _values.GetValueOrDefault(k))];
        }

        public void Put(string key, byte[] value)
        {
            Interlocked.Increment(ref Puts);
            _values[key] = value;
        }
    }

    [Fact]
    public void Modules_fetched_from_l2_are_used_by_the_build_even_when_l1_is_too_small_to_keep_them()
    {
        var store = new MemoryStore();
        var files = Enumerable.Range(0, 40).Select(i => (File(i), false)).ToList();
        var first = new ModuleCache(l2: store);
        var filled = new CacheCounters();
        var compiled = files.Select(f => first.GetOrCompile(f.Item1, false, CompilationOptions.Default, filled)).ToList();
        Assert.Equal(40, store.Puts);

        // Another process with an L1 of three entries: every module comes from L2 and none is compiled again.
        var other = new ModuleCache(capacity: 3, l2: store);
        var counters = new CacheCounters();
        var prefetched = other.Prefetch(files, CompilationOptions.Default, counters);
        var results = files.Select(f => other.GetOrCompile(f.Item1, false, CompilationOptions.Default, counters, prefetched: prefetched)).ToList();

        Assert.Equal((40L, 40L, 0L), (counters.L2Hits, counters.Hits, counters.Misses));
        Assert.Equal(40, store.Puts); // nothing was compiled and put back
        Assert.Equal(compiled.Select(m => m.Rendered!), results.Select(m => m.Rendered!));
    }

    [Fact]
    public void A_build_asks_l2_only_for_the_sources_its_last_build_cannot_give()
    {
        // An L1 far smaller than the project, so only the project's memo can spare the L2 round trips.
        var store = new MemoryStore();
        var compiler = new HyperCompiler(new ModuleCache(capacity: 3, l2: store));
        var options = HyperOptions.Default with { Tier = CompileTier.Aggressive, ProjectKey = "prefetch" };
        var project = ProjectGenerator.Generate(120, seed: 21);
        compiler.Compile(project, options, cancellationToken: TestContext.Current.CancellationToken);
        var sources = project.Count(f => f.Path.EndsWith(".intent", StringComparison.Ordinal));
        Assert.Equal(sources, store.Asked);

        var edited = ProjectGenerator.ChangeFiles(project, 2, seed: 3);
        store.Asked = 0;
        var result = compiler.Compile(edited, options, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, store.Asked);
        Assert.Equal(2, result.Metrics.Steps.Single(s => s.Stage == "compile").Modified);
    }
}
