using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Engine.Caching;
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
        File.WriteAllText(report, JsonSerializer.Serialize(new { files, changed, bytes, peakWorkingSet = peak, rows }, ReportJson));
        Console.WriteLine("report: " + report);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"speedup: incremental aggressive vs cold conservative = {conservative.ColdMs / aggressive.IncrementalMs:0.0}x"));
        return 0;
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalMilliseconds;
    }
}
