using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Grump.Hyper.Compiler.Extraction;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Engine.Caching;
using Grump.Hyper.Engine.Kernels;
using Grump.Hyper.Engine.Sharding;
using Grump.Hyper.Engine.Pipeline;

namespace Grump.Hyper.Benchmarks;

/// <summary>
/// Cold, warm and incremental compiles per tier, measured side by side in one process on one generated
/// project, with throughput and peak memory; a JSON report and a final speedup line.
/// </summary>
internal static class CompileBenchmark
{
    private static readonly JsonSerializerOptions ReportJson = new() { WriteIndented = true };

    private sealed record Row(string Tier, double ColdMs, double WarmMs, double IncrementalMs, double ColdMBps, double ColdFilesPerSecond, long CacheHitsIncremental);

    public static int Run(string[] args)
    {
        var files = (int)Args.Get(args, "--files", 10_000);
        var changed = Args.Get(args, "--changed", 0.01);
        var reportIndex = Array.IndexOf(args, "--report");
        var report = reportIndex >= 0 ? args[reportIndex + 1] : Path.Combine(Path.GetTempPath(), "grump-benchmark.json");

        var project = ProjectGenerator.Generate(files, seed: 42);
        var edited = ProjectGenerator.Change(project, changed, seed: 43);
        var bytes = project.Sum(f => (long)f.Content.Length);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"compile benchmark: {files} files, {bytes / 1048576.0:0.0} MiB, {changed:P1} changed, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}"));

        // Warm up the JIT and the lexicons on a same-size project, so no tier is charged for first-run costs.
        new HyperCompiler().Compile(ProjectGenerator.Generate(files, 1), HyperOptions.Default with { Tier = CompileTier.Conservative });

        var rows = new List<Row>();
        foreach (var tier in new[] { CompileTier.Conservative, CompileTier.Balanced, CompileTier.Aggressive, CompileTier.Insane })
        {
            GC.Collect();
            var compiler = new HyperCompiler(new ModuleCache());
            var options = HyperOptions.Default with { Tier = tier };
            HyperResult? coldResult = null;
            var cold = Time(() => coldResult = compiler.Compile(project, options));
            Console.WriteLine($"  {tier.Name(),-12} cold stages: " + string.Join(", ", coldResult!.Metrics.Stages.Select(st => string.Create(CultureInfo.InvariantCulture, $"{st.Name} {st.Milliseconds:0} ms"))));
            var warm = Time(() => compiler.Compile(project, options));
            HyperResult? incrementalResult = null;
            var incremental = Time(() => incrementalResult = compiler.Compile(edited, options));
            Console.WriteLine($"  {tier.Name(),-12} incremental stages: " + string.Join(", ", incrementalResult!.Metrics.Stages.Select(st => string.Create(CultureInfo.InvariantCulture, $"{st.Name} {st.Milliseconds:0} ms"))));

            rows.Add(new Row(tier.Name(), cold, warm, incremental, bytes / 1048576.0 / (cold / 1000), files / (cold / 1000), incrementalResult!.Metrics.Cache.Hits));
        }

        var subsystems = Subsystems(project);
        subsystems.Add(ChunkLine(project));
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        Console.WriteLine();
        Console.WriteLine("| tier | cold ms | warm ms | incremental ms | cold MB/s | cold files/s | incremental cache hits |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Tier} | {r.ColdMs:0} | {r.WarmMs:0} | {r.IncrementalMs:0} | {r.ColdMBps:0.00} | {r.ColdFilesPerSecond:0} | {r.CacheHitsIncremental} |"));
        }

        var conservative = rows[0];
        var aggressive = rows[2];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cold aggressive vs cold conservative = {conservative.ColdMs / aggressive.ColdMs:0.00}x; warm aggressive vs cold conservative = {conservative.ColdMs / aggressive.WarmMs:0.00}x; peak working set {peak / 1048576.0:0} MiB"));
        foreach (var line in subsystems)
        {
            Console.WriteLine(line);
        }

        var ablation = Ablation(project, edited);
        File.WriteAllText(report, JsonSerializer.Serialize(new { files, changed, bytes, peakWorkingSet = peak, rows, subsystems, ablation }, ReportJson));
        Console.WriteLine("report: " + report);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"speedup: incremental aggressive vs cold conservative = {conservative.ColdMs / aggressive.IncrementalMs:0.0}x"));
        return 0;
    }

    /// <summary>
    /// The aggressive tier with each subsystem switched off in turn, cold and on the edit, against the tier
    /// as it is (on), in this run: what each one saves (positive) or costs (negative), and whether the
    /// artifacts stayed byte-identical (they must: every subsystem is an optimisation only).
    /// </summary>
    private static List<string> Ablation(List<SourceFile> project, List<SourceFile> edited)
    {
        // Every subsystem on, so each row switches exactly one off; the default tiers are what this table decides.
        var on = new TierProfile(Parallel: true, Cache: true, TieredMatchers: true, Scan: true, Speculation: true);
        (double Cold, double Incremental, string Hash) Measure(TierProfile profile)
        {
            // The better of two runs on fresh compilers: one run of each row was seen to swing by 20%.
            var cold = double.MaxValue;
            var incremental = double.MaxValue;
            HyperResult? result = null;
            for (var run = 0; run < 2; run++)
            {
                GC.Collect();
                var compiler = new HyperCompiler(new ModuleCache());
                var options = HyperOptions.Default with { Tier = CompileTier.Aggressive, Profile = profile, ProjectKey = "ablation-" + run };
                cold = Math.Min(cold, Time(() => compiler.Compile(project, options)));
                incremental = Math.Min(incremental, Time(() => result = compiler.Compile(edited, options)));
            }

            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                result!.Artifacts.Where(a => a.Key != Grump.Hyper.Compiler.Emit.ArtifactSet.Metrics).SelectMany(a => System.Text.Encoding.UTF8.GetBytes(a.Key + a.Value.Sha256)).ToArray()))[..12];
            return (cold, incremental, hash);
        }

        var baseline = Measure(on);
        var lines = new List<string>
        {
            "| aggressive with every subsystem on, then one off | cold ms | it saves cold | edit ms | it saves on the edit | artifacts |",
            "|---|---:|---:|---:|---:|---|",
            string.Create(CultureInfo.InvariantCulture, $"| (all on) | {baseline.Cold:0} | | {baseline.Incremental:0} | | {baseline.Hash} |"),
        };
        foreach (var (name, off) in new (string, TierProfile)[]
        {
            ("parallel", on with { Parallel = false }),
            ("cache", on with { Cache = false }),
            ("tiered matchers", on with { TieredMatchers = false }),
            ("scan", on with { Scan = false }),
            ("speculation", on with { Speculation = false }),
        })
        {
            var m = Measure(off);
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {m.Cold:0} | {m.Cold - baseline.Cold:+0;-0} ms ({(m.Cold - baseline.Cold) / m.Cold:+0%;-0%}) | {m.Incremental:0} | {m.Incremental - baseline.Incremental:+0;-0} ms ({(m.Incremental - baseline.Incremental) / m.Incremental:+0%;-0%}) | {(m.Hash == baseline.Hash ? "identical" : "DIFFER " + m.Hash)} |"));
        }

        Console.WriteLine();
        foreach (var line in lines)
        {
            Console.WriteLine(line);
        }

        return lines;
    }

    /// <summary>Each subsystem against its own baseline, side by side on the same project.</summary>
    private static List<string> Subsystems(List<SourceFile> project)
    {
        var lines = new List<string>();
        var sources = project.Where(f => f.Path.EndsWith(".intent", StringComparison.Ordinal)).ToList();

        // Text kernels over the whole project as one batch.
        var offsets = new int[sources.Count + 1];
        for (var i = 0; i < sources.Count; i++)
        {
            offsets[i + 1] = offsets[i] + sources[i].Content.Length;
        }

        var data = new byte[offsets[^1]];
        for (var i = 0; i < sources.Count; i++)
        {
            sources[i].Content.Span.CopyTo(data.AsSpan(offsets[i]));
        }

        var stats = new TextStats[sources.Count];
        using var ilgpu = IlgpuTextKernel.Cpu();
        var kernels = new ITextKernel[] { ScalarTextKernel.Instance, SimdTextKernel.Instance, ilgpu };
        var kernelTimes = kernels.Select(k =>
        {
            k.Scan(data, offsets, stats); // warm-up (ILGPU compiles its kernel on first launch)
            return Enumerable.Range(0, 5).Min(_ => Time(() => k.Scan(data, offsets, stats)));
        }).ToList();
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"kernels ({data.Length / 1048576.0:0.0} MiB batch): {string.Join(", ", kernels.Select((k, i) => string.Create(CultureInfo.InvariantCulture, $"{k.Name} {kernelTimes[i]:0.00} ms ({kernelTimes[0] / kernelTimes[i]:0.0}x)")))}"));

        // Matcher tiers: every module compiled on one core with each tier's matchers.
        var tiers = Enum.GetValues<MatcherTier>();
        var matcherTimes = tiers.Select(t =>
        {
            var matchers = t == MatcherTier.Generated ? MatcherSet.Tiered() : MatcherSet.At(t);
            if (t == MatcherTier.Generated)
            {
                sources.ForEach(f => ModuleCompiler.Compile(f, false, CompilationOptions.Default, matchers)); // promote it all the way
            }

            return Time(() => sources.ForEach(f => ModuleCompiler.Compile(f, false, CompilationOptions.Default, matchers)));
        }).ToList();
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"matchers (module compile, 1 core): {string.Join(", ", tiers.Select((t, i) => string.Create(CultureInfo.InvariantCulture, $"{t.ToString().ToLowerInvariant()} {matcherTimes[i]:0} ms ({matcherTimes[0] / matcherTimes[i]:0.00}x)")))}"));

        // Shard balancing for 8 workers, costs = bytes.
        var watch = Stopwatch.StartNew();
        var plan = ShardPlanner.Plan([.. sources.Select(f => (long)f.Content.Length)], 8);
        var greedy = plan.Scores[0].Makespan;
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"shards (8, makespan bytes, {watch.ElapsedMilliseconds} ms): {string.Join(", ", plan.Scores.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Planner} {s.Makespan} ({(double)s.Makespan / greedy:0.0000} of greedy){(s.Chosen ? " *" : string.Empty)}")))}"));
        return lines;
    }

    /// <summary>"select 20 ms, compile 655 ms, ...": each stage's time, in the order they ran.</summary>
    internal static string StageTimes(CompileMetrics metrics) =>
        string.Join(", ", metrics.Stages.Select(st => string.Create(CultureInfo.InvariantCulture, $"{st.Name} {st.Milliseconds:0} ms")));

    /// <summary>
    /// The chunk partitioners side by side on the same compiled modules: every one run (as the default
    /// tiers did before) against the default (greedy, the metaheuristics only if greedy breaks a limit).
    /// </summary>
    private static string ChunkLine(List<SourceFile> project)
    {
        var selection = Grump.Hyper.Compiler.Project.ProjectLoader.Select(project);
        var modules = selection.Sources.Select(s => Grump.Hyper.Compiler.Modules.ModuleCompiler.Compile(s, selection.VendorPaths.Contains(s.Path), Grump.Hyper.Compiler.Modules.CompilationOptions.Default)).ToList();
        Grump.Hyper.Compiler.Splitting.SplitResult? all = null, byDefault = null;
        var allMs = Time(() => all = Grump.Hyper.Compiler.Compilation.Finish(selection, modules, new Grump.Hyper.Compiler.FinishOptions { Partitioners = Grump.Hyper.Compiler.Splitting.OptimisingPartitioner.All }).Split);
        var defaultMs = Time(() => byDefault = Grump.Hyper.Compiler.Compilation.Finish(selection, modules).Split);
        var greedyBytes = all!.Scores.First(p => p.Partitioner == "greedy").BytesLoaded;
        return "chunks (bytes loaded up front, all routes): " + string.Join(", ", all.Scores.Select(p => string.Create(CultureInfo.InvariantCulture,
            $"{p.Partitioner} {p.BytesLoaded} ({(double)p.BytesLoaded / greedyBytes:0.0000} of greedy){(p.Partitioner == all.Chosen ? " *" : string.Empty)}{(p.Valid ? string.Empty : " invalid")}")))
            + string.Create(CultureInfo.InvariantCulture, $"; finish with all four {allMs:0} ms, default (greedy, {byDefault!.Scores.Length} run) {defaultMs:0} ms");
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalMilliseconds;
    }
}
