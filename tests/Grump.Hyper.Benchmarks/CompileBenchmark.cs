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

    /// <summary>One tier's scenarios at one size: milliseconds per build and the bytes each build made anew (emit's step reasons).</summary>
    private sealed record Row(string Tier, int Files, double ColdMs, double NoOpMs, double TenFilesMs, double OnePercentMs, double TenPercentMs, double HeaderMs,
        long ColdBytes, long NoOpBytes, long TenFilesBytes, long OnePercentBytes, double ColdMBps, long CacheHitsOnePercent);

    public static int Run(string[] args)
    {
        var files = (int)Args.Get(args, "--files", 10_000);
        var changed = Args.Get(args, "--changed", 0.01);
        var sizesIndex = Array.IndexOf(args, "--sizes");
        var sizes = sizesIndex >= 0 ? [.. args[sizesIndex + 1].Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture))] : new[] { files };
        var reportIndex = Array.IndexOf(args, "--report");
        var report = reportIndex >= 0 ? args[reportIndex + 1] : Path.Combine(Path.GetTempPath(), "grump-benchmark.json");

        // Warm up the JIT and the lexicons on a same-size project, so no tier is charged for first-run costs.
        new HyperCompiler().Compile(ProjectGenerator.Generate(Math.Min(sizes[0], 10_000), 1), HyperOptions.Default with { Tier = CompileTier.Conservative });

        var rows = new List<Row>();
        List<SourceFile> project = [];
        List<SourceFile> edited = [];
        foreach (var size in sizes)
        {
            project = ProjectGenerator.Generate(size, seed: 42);
            edited = ProjectGenerator.Change(project, changed, seed: 43);
            var bytes = project.Sum(f => (long)f.Content.Length);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"compile benchmark: {size} files, {bytes / 1048576.0:0.0} MiB, {changed:P1} changed, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}"));
            // One run at 100,000 files, where three would take most of an hour.
            var runs = size > 20_000 ? 1 : Runs;

            // Each run of an edit is another edit of its kind (another seed): the same edit again would be a
            // whole-build cache hit, not an incremental build.
            var scenarios = new (string Name, List<SourceFile>[] Files)[]
            {
                ("10 files", [.. Enumerable.Range(0, runs).Select(run => ProjectGenerator.ChangeFiles(project, 10, seed: 44 + (10 * run)))]),
                ($"{changed:P0}", [edited, .. Enumerable.Range(1, runs - 1).Select(run => ProjectGenerator.Change(project, changed, seed: 43 + (10 * run)))]),
                ("10%", [.. Enumerable.Range(0, runs).Select(run => ProjectGenerator.Change(project, 0.10, seed: 45 + (10 * run)))]),
                ("header", [.. Enumerable.Range(0, runs).Select(run => ProjectGenerator.ChangeHeader(project, seed: 46 + (10 * run)))]),
            };

            // The 100,000-file runs measure the tiers users pick for big projects; conservative is the baseline at every size.
            var tiers = size > 20_000 ? new[] { CompileTier.Conservative, CompileTier.Aggressive } : [CompileTier.Conservative, CompileTier.Balanced, CompileTier.Aggressive, CompileTier.Insane];
            foreach (var tier in tiers)
            {
                // Every time below is the best of three (a single run of one edit was seen to swing 2x on this
                // machine); the cold ones each on a fresh compiler, the last of which goes on to the edits.
                var options = HyperOptions.Default with { Tier = tier };
                HyperCompiler compiler = null!;
                HyperResult? coldResult = null;
                var cold = double.MaxValue;
                for (var run = 0; run < runs; run++)
                {
                    GC.Collect();
                    compiler = new HyperCompiler(new ModuleCache());
                    cold = Math.Min(cold, Time(() => coldResult = compiler.Compile(project, options)));
                }

                Console.WriteLine($"  {tier.Name(),-12} cold: " + StageTimes(coldResult!.Metrics));
                HyperResult? noOpResult = null;
                var noOp = Enumerable.Range(0, runs).Min(_ => Time(() => noOpResult = compiler.Compile(project, options)));
                var times = new double[scenarios.Length];
                var written = new long[scenarios.Length];
                long hits = 0;
                for (var i = 0; i < scenarios.Length; i++)
                {
                    // Every edit is measured against the project as generated (rebuilt, untimed, in between).
                    HyperResult? result = null;
                    times[i] = double.MaxValue;
                    for (var run = 0; run < runs; run++)
                    {
                        times[i] = Math.Min(times[i], Time(() => result = compiler.Compile(scenarios[i].Files[run], options)));
                        compiler.Compile(project, options);
                    }

                    written[i] = BytesWritten(result!.Metrics);
                    hits = i == 1 ? result.Metrics.Cache.Hits : hits;
                    Console.WriteLine($"  {tier.Name(),-12} {scenarios[i].Name} edit: " + StageTimes(result.Metrics) + " | " + Steps(result.Metrics));
                }

                rows.Add(new Row(tier.Name(), size, cold, noOp, times[0], times[1], times[2], times[3], BytesWritten(coldResult.Metrics), BytesWritten(noOpResult!.Metrics),
                    written[0], written[1], bytes / 1048576.0 / (cold / 1000), hits));
            }
        }

        var subsystems = Subsystems(project);
        subsystems.Add(ChunkLine(project));
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        Console.WriteLine();
        Console.WriteLine($"each time is the best of {Runs} runs (1 run above 20,000 files)");
        Console.WriteLine($"| tier | files | cold ms | no-op ms | 10-file edit ms | {changed:P0} edit ms | 10% edit ms | header edit ms | written cold / no-op / 10 files / {changed:P0} (MiB) | cold MB/s | {changed:P0} cache hits |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|");
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Tier} | {r.Files} | {r.ColdMs:0} | {r.NoOpMs:0.0} | {r.TenFilesMs:0} | {r.OnePercentMs:0} | {r.TenPercentMs:0} | {r.HeaderMs:0} | {r.ColdBytes / 1048576.0:0.0} / {r.NoOpBytes / 1048576.0:0.0} / {r.TenFilesBytes / 1048576.0:0.0} / {r.OnePercentBytes / 1048576.0:0.0} | {r.ColdMBps:0.00} | {r.CacheHitsOnePercent} |"));
        }

        var first = rows.Where(r => r.Files == sizes[0]).ToList();
        var conservative = first.First(r => r.Tier == "conservative");
        var aggressive = first.First(r => r.Tier == "aggressive");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cold aggressive vs cold conservative = {conservative.ColdMs / aggressive.ColdMs:0.00}x; no-op aggressive = {aggressive.NoOpMs:0.0} ms; peak working set {peak / 1048576.0:0} MiB"));
        if (sizes.Length > 1)
        {
            var big = rows.Last(r => r.Tier == "aggressive");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"10-file edit, aggressive: {big.TenFilesMs:0} ms at {big.Files} files vs {aggressive.TenFilesMs:0} ms at {aggressive.Files} = {big.TenFilesMs / aggressive.TenFilesMs:0.0}x (target at most 2x)"));
        }

        foreach (var line in subsystems)
        {
            Console.WriteLine(line);
        }

        var ablation = Ablation(project, edited, ProjectGenerator.Change(project, changed, seed: 99));
        File.WriteAllText(report, JsonSerializer.Serialize(new { sizes, changed, peakWorkingSet = peak, rows, subsystems, ablation }, ReportJson));
        Console.WriteLine("report: " + report);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"speedup: incremental aggressive vs cold conservative = {conservative.ColdMs / aggressive.OnePercentMs:0.0}x"));
        return 0;
    }

    /// <summary>Runs per measured time in the tier table: the best one is reported.</summary>
    private const int Runs = 3;

    private static long BytesWritten(CompileMetrics metrics) => metrics.Steps.FirstOrDefault(s => s.Stage == "emit")?.BytesWritten ?? 0;

    /// <summary>"compile 95 new/modified, 9905 cached; link ...": each stage's step reasons in one line.</summary>
    internal static string Steps(CompileMetrics metrics) =>
        string.Join("; ", metrics.Steps.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Stage} {s.New + s.Modified} made, {s.Unchanged} same, {s.Cached} reused, {s.Removed} gone")));

    /// <summary>
    /// The aggressive tier with each subsystem switched off in turn, cold, on the edit, and on another project
    /// that shares most of the sources (a branch built under another project: no memo of its own, so only the
    /// cache by content can spare its modules), against the tier as it is (on), in this run: what each one
    /// saves (positive) or costs (negative), and whether the artifacts stayed byte-identical (they must:
    /// every subsystem is an optimisation only).
    /// </summary>
    private static List<string> Ablation(List<SourceFile> project, List<SourceFile> edited, List<SourceFile> branch)
    {
        // Every subsystem on, so each row switches exactly one off; the default tiers are what this table decides.
        var on = new TierProfile(Parallel: true, Memo: true, Cache: true, TieredMatchers: true, Scan: true, Speculation: true);
        (double Cold, double Incremental, double Branch, string Hash) Measure(TierProfile profile)
        {
            // The better of two runs on fresh compilers: one run of each row was seen to swing by 20%.
            var cold = double.MaxValue;
            var incremental = double.MaxValue;
            var other = double.MaxValue;
            HyperResult? result = null;
            for (var run = 0; run < 2; run++)
            {
                GC.Collect();
                var compiler = new HyperCompiler(new ModuleCache());
                var options = HyperOptions.Default with { Tier = CompileTier.Aggressive, Profile = profile, ProjectKey = "ablation-" + run };
                cold = Math.Min(cold, Time(() => compiler.Compile(project, options)));
                incremental = Math.Min(incremental, Time(() => result = compiler.Compile(edited, options)));
                other = Math.Min(other, Time(() => compiler.Compile(branch, options with { ProjectKey = "branch-" + run })));
            }

            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                result!.Artifacts.Where(a => a.Key != Grump.Hyper.Compiler.Emit.ArtifactSet.Metrics).SelectMany(a => System.Text.Encoding.UTF8.GetBytes(a.Key + a.Value.Sha256)).ToArray()))[..12];
            return (cold, incremental, other, hash);
        }

        var baseline = Measure(on);
        var lines = new List<string>
        {
            "| aggressive with every subsystem on, then one off | cold ms | it saves cold | edit ms | it saves on the edit | other project ms | it saves there | artifacts |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
            string.Create(CultureInfo.InvariantCulture, $"| (all on) | {baseline.Cold:0} | | {baseline.Incremental:0} | | {baseline.Branch:0} | | {baseline.Hash} |"),
        };
        foreach (var (name, off) in new (string, TierProfile)[]
        {
            ("parallel", on with { Parallel = false }),
            ("memo", on with { Memo = false }),
            ("module cache", on with { Cache = false }),
            ("tiered matchers", on with { TieredMatchers = false }),
            ("scan", on with { Scan = false }),
            ("speculation", on with { Speculation = false }),
        })
        {
            var m = Measure(off);
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {m.Cold:0} | {m.Cold - baseline.Cold:+0;-0;+0} ms ({(m.Cold - baseline.Cold) / m.Cold:+0%;-0%;+0%}) | {m.Incremental:0} | {m.Incremental - baseline.Incremental:+0;-0;+0} ms ({(m.Incremental - baseline.Incremental) / m.Incremental:+0%;-0%;+0%}) | {m.Branch:0} | {m.Branch - baseline.Branch:+0;-0;+0} ms ({(m.Branch - baseline.Branch) / m.Branch:+0%;-0%;+0%}) | {(m.Hash == baseline.Hash ? "identical" : "DIFFER " + m.Hash)} |"));
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
            var matchers = t == MatcherTier.Generated ? Grump.Hyper.Engine.Matching.Matchers.Tiered() : Grump.Hyper.Engine.Matching.Matchers.At(t);
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
        var allMs = Time(() => all = Grump.Hyper.Compiler.Compilation.Finish(selection, modules, new Grump.Hyper.Compiler.FinishOptions { Partitioners = Grump.Hyper.Engine.Optimisation.OptimisingPartitioner.All }).Split);
        var defaultMs = Time(() => byDefault = Grump.Hyper.Compiler.Compilation.Finish(selection, modules, new Grump.Hyper.Compiler.FinishOptions { FallbackPartitioners = Grump.Hyper.Engine.Optimisation.OptimisingPartitioner.Optimisers }).Split);
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
