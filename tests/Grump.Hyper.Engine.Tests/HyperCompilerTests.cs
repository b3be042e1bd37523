using System.Text;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Engine.Caching;
using Grump.Hyper.Engine.Pipeline;

namespace Grump.Hyper.Engine.Tests;

public sealed class HyperCompilerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IReadOnlyList<SourceFile> Project(int count) => [.. Enumerable.Range(0, count).Select(i =>
        new SourceFile($"area{i % 7}/m{i:000}.intent", Encoding.UTF8.GetBytes(
            $"---\ndepends: [area{(i + 1) % 7}/m{(i + 1) % count:000}]\n---\nAs a customer I want checkout with Stripe and a dashboard in React; no MongoDB. Item {i}.")))];

    [Fact]
    public void Every_tier_gives_byte_identical_artifacts_except_metrics()
    {
        var files = Project(120);
        var compiler = new HyperCompiler();
        var baseline = compiler.Compile(files, HyperOptions.Default with { Tier = CompileTier.Conservative }, cancellationToken: Ct).Artifacts;
        foreach (var tier in new[] { CompileTier.Balanced, CompileTier.Aggressive, CompileTier.Insane, CompileTier.Balanced })
        {
            var artifacts = compiler.Compile(files.Reverse(), HyperOptions.Default with { Tier = tier }, cancellationToken: Ct).Artifacts;
            Assert.Equal(baseline.Select(a => a.Key), artifacts.Select(a => a.Key));
            foreach (var (path, content) in baseline.Where(a => a.Key != ArtifactSet.Metrics))
            {
                Assert.True(content.ToArray().AsSpan().SequenceEqual(artifacts[path]), $"{path} differs in tier {tier}");
            }
        }
    }

    [Fact]
    public void A_project_large_enough_to_write_its_documents_on_every_core_gives_the_conservative_tier_s_bytes()
    {
        // Acyclic, so the plan keeps its lines in slots; past 2,048 empty slots a build renders them side by side, and
        // the aggressive tier writes manifest.json while the plan is being made. Cold, then an edit of every ninth file.
        const int count = 1_100;
        static List<SourceFile> Files(int count, Func<int, string> body) => [.. Enumerable.Range(0, count).Select(i =>
            new SourceFile($"area{i % 7}/m{i:000}.intent", Encoding.UTF8.GetBytes(
                $"---\ndepends: [{(i + 1 < count ? $"area{(i + 1) % 7}/m{i + 1:000}" : "")}]\n---\n{body(i)}")))];
        var files = Files(count, i => $"As a customer I want checkout with Stripe and a dashboard in React; no MongoDB. Item {i}.");
        var edited = Files(count, i => i % 9 == 0 ? $"Build a blog with Vue and search. Item {i}." : $"As a customer I want checkout with Stripe and a dashboard in React; no MongoDB. Item {i}.");
        var (conservative, aggressive) = (new HyperCompiler(), new HyperCompiler());
        foreach (var project in new[] { files, edited })
        {
            var baseline = conservative.Compile(project, HyperOptions.Default with { Tier = CompileTier.Conservative }, cancellationToken: Ct);
            var fast = aggressive.Compile(project, HyperOptions.Default with { Tier = CompileTier.Aggressive }, cancellationToken: Ct);
            Assert.True(baseline.Compilation.Plan!.Tasks.Count > 2_048, $"{baseline.Compilation.Plan.Tasks.Count} tasks: too few to render side by side");
            Assert.Equal(baseline.Artifacts.Select(a => a.Key), fast.Artifacts.Select(a => a.Key));
            foreach (var (path, content) in baseline.Artifacts.Where(a => a.Key != ArtifactSet.Metrics))
            {
                Assert.True(content.ToArray().AsSpan().SequenceEqual(fast.Artifacts[path]), $"{path} differs");
            }
        }
    }

    [Fact]
    public void The_memo_and_the_module_cache_each_alone_give_the_baseline_s_artifacts_cold_and_after_an_edit()
    {
        var files = Project(60);
        var edited = files.Select((f, i) => i % 9 == 0 ? f with { Content = Encoding.UTF8.GetBytes($"Build a blog with Vue. Item {i}.") } : f).ToList();
        var baseline = new HyperCompiler();
        var conservative = HyperOptions.Default with { Tier = CompileTier.Conservative };
        var expected = new[] { baseline.Compile(files, conservative, cancellationToken: Ct).Artifacts, baseline.Compile(edited, conservative, cancellationToken: Ct).Artifacts };
        foreach (var (memo, cache) in new[] { (true, false), (false, true) })
        {
            var compiler = new HyperCompiler(new ModuleCache());
            var options = HyperOptions.Default with { Tier = CompileTier.Aggressive, Profile = TierProfile.For(CompileTier.Aggressive) with { Memo = memo, Cache = cache } };
            var builds = new[] { compiler.Compile(files, options, cancellationToken: Ct), compiler.Compile(edited, options, cancellationToken: Ct) };
            for (var b = 0; b < builds.Length; b++)
            {
                foreach (var (path, content) in expected[b].Where(a => a.Key != ArtifactSet.Metrics))
                {
                    Assert.True(content.ToArray().AsSpan().SequenceEqual(builds[b].Artifacts[path]), $"{path} differs (memo {memo}, cache {cache}, build {b})");
                }
            }

            // Each one alone still spares the edit's unchanged modules: the memo by the last build, the cache by content.
            Assert.Equal((53L, 7L), (builds[1].Metrics.Cache.Hits, builds[1].Metrics.Cache.Misses));
            Assert.Equal(memo, builds[1].Metrics.Steps.Any(s => s.Stage == "plan" && s.Cached > 0));
        }
    }

    [Fact]
    public void Metrics_name_the_tier_stages_and_cache_hits()
    {
        var files = Project(20);
        var compiler = new HyperCompiler(new ModuleCache());
        var cold = compiler.Compile(files, HyperOptions.Default with { Tier = CompileTier.Balanced }, cancellationToken: Ct).Metrics;
        var edited = files.Select((f, i) => i == 3 ? f with { Content = System.Text.Encoding.UTF8.GetBytes("Build a blog.") } : f).ToList();
        var incremental = compiler.Compile(edited, HyperOptions.Default with { Tier = CompileTier.Balanced }, cancellationToken: Ct).Metrics;
        Assert.Equal((0L, 20L, 20L), (cold.Cache.Hits, cold.Cache.Misses, cold.Cache.BloomSkips));
        Assert.Equal((19L, 1L), (incremental.Cache.Hits, incremental.Cache.Misses));
        Assert.Equal(["select", "prefetch", "compile", "link", "plan", "split", "emit", "compare"], incremental.Stages.Select(s => s.Name));
        Assert.Equal(20, incremental.Files);
        Assert.InRange(incremental.Cache.DistinctSources, 20, 22);

        var insane = compiler.Compile(files, HyperOptions.Default with { Tier = CompileTier.Insane }, cancellationToken: Ct).Metrics;
        Assert.Equal(("aggressive", "insane"), (insane.Tier, insane.RequestedTier));
        Assert.Contains(insane.Notes, n => n.Contains("ran as aggressive", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unchanged_project_reuses_its_linked_result_with_identical_artifacts()
    {
        var files = Project(30);
        var compiler = new HyperCompiler();
        var first = compiler.Compile(files, HyperOptions.Default with { Tier = CompileTier.Aggressive }, cancellationToken: Ct);
        var second = compiler.Compile(files.AsEnumerable().Reverse(), HyperOptions.Default with { Tier = CompileTier.Aggressive }, cancellationToken: Ct);

        Assert.Contains(second.Metrics.Notes, n => n.Contains("reused", StringComparison.Ordinal));
        Assert.Equal("link+emit (cached)", second.Metrics.Stages[^1].Name);
        Assert.Equal(first.Artifacts.Select(a => a.Key), second.Artifacts.Select(a => a.Key));
        foreach (var (path, content) in first.Artifacts.Where(a => a.Key != ArtifactSet.Metrics))
        {
            Assert.Equal(content.ToArray(), second.Artifacts[path]);
        }

        // Each build writes its own metrics.json; the cached result is not touched by it.
        Assert.NotEqual(first.Artifacts[ArtifactSet.Metrics], second.Artifacts[ArtifactSet.Metrics]);
        var conservative = compiler.Compile(files, HyperOptions.Default with { Tier = CompileTier.Conservative }, cancellationToken: Ct);
        Assert.DoesNotContain(conservative.Metrics.Notes, n => n.Contains("reused", StringComparison.Ordinal));
    }

    [Fact]
    public void Progress_is_reported_as_files_finish()
    {
        var seen = new List<int>();
        new HyperCompiler().Compile(Project(130), HyperOptions.Default with { Tier = CompileTier.Conservative }, seen.Add, Ct);
        Assert.Equal([64, 128, 130], seen);
    }

    [Fact]
    public void Cancellation_stops_the_compile()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            new HyperCompiler().Compile(Project(50), HyperOptions.Default with { Tier = CompileTier.Aggressive }, null, cts.Token));
    }

    [Theory]
    [InlineData("CONSERVATIVE", CompileTier.Conservative)]
    [InlineData(" insane ", CompileTier.Insane)]
    public void Tier_names_parse_case_insensitively(string text, CompileTier tier)
    {
        Assert.True(CompileTiers.TryParse(text, out var parsed));
        Assert.Equal(tier, parsed);
        Assert.False(CompileTiers.TryParse("ludicrous", out _));
    }
}
