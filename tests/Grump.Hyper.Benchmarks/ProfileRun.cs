using System.Diagnostics;
using Grump.Hyper.Engine.Pipeline;

namespace Grump.Hyper.Benchmarks;

/// <summary>
/// One cold compile of a generated project under one tier, repeated, for a profiler to attach to
/// (dotnet-trace): the benchmark's numbers say how long, a trace of this says where.
/// </summary>
internal static class ProfileRun
{
    public static int Run(string[] args)
    {
        var files = (int)Args.Get(args, "--files", 10_000);
        var repeat = (int)Args.Get(args, "--repeat", 3);
        var tierIndex = Array.IndexOf(args, "--tier");
        var tier = tierIndex >= 0 && CompileTiers.TryParse(args[tierIndex + 1], out var parsed) ? parsed : CompileTier.Conservative;
        var project = ProjectGenerator.Generate(files, seed: 42);
        for (var i = 0; i < repeat; i++)
        {
            var watch = Stopwatch.StartNew();
            var result = new HyperCompiler().Compile(project, HyperOptions.Default with { Tier = tier });
            Console.WriteLine($"{tier.Name()} cold {watch.ElapsedMilliseconds} ms, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MiB: " + CompileBenchmark.StageTimes(result.Metrics));
        }

        return 0;
    }
}
