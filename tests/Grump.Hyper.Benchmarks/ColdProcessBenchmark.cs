using System.Diagnostics;
using Grump.Hyper.Engine.Archives;
using Grump.Hyper.Engine.Pipeline;
using Grump.Hyper.Engine.Projects;

namespace Grump.Hyper.Benchmarks;

/// <summary>
/// What CI meets: a fresh <c>grump-hyper compile</c> process on a project folder, against the same work (load the
/// folder, compile, write the artifacts) in a process that has already done it twice. The difference is start-up
/// and JIT. Each CLI given with <c>--cli "path.dll [NAME=value...]"</c> (a ReadyToRun publish, runtime settings in the
/// environment) runs side by side.
/// </summary>
internal static class ColdProcessBenchmark
{
    public static int Run(string[] args)
    {
        var files = (int)Args.Get(args, "--files", 10_000);
        var runs = (int)Args.Get(args, "--runs", 3);
        var tier = Args.Tier(args);
        var clis = args.Select((a, i) => (a, i)).Where(p => p.a == "--cli" && p.i + 1 < args.Length).Select(p => args[p.i + 1]).ToList();
        if (clis.Count == 0)
        {
            clis.Add(Repository.File("src", "Grump.Hyper.Cli", "bin", "Release", "net10.0", "grump-hyper.dll"));
        }

        using var folder = new TempFolder("grump-cold-");
        var project = Path.Combine(folder.Path, "project");
        foreach (var file in ProjectGenerator.Generate(files, seed: 42))
        {
            var path = Path.Combine(project, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, file.Content.ToArray());
        }

        Console.WriteLine($"cold process benchmark: {files} files, tier {tier.Name()}, best of {runs} runs each, {Environment.ProcessorCount} cores");
        var warmOut = Path.Combine(folder.Path, "warm");
        double Warm()
        {
            var watch = Stopwatch.StartNew();
            var loaded = ProjectSources.Load(project, ArchiveLimits.LocalProject);
            var result = new HyperCompiler().Compile(loaded.Files!, HyperOptions.Default with { Tier = tier });
            ArtifactWriter.WriteTo(result.Artifacts, warmOut);
            return watch.Elapsed.TotalMilliseconds;
        }

        Warm();
        Warm();
        var warm = Enumerable.Range(0, runs).Min(_ => Warm());
        Console.WriteLine($"  warmed in-process (load, compile, write): {warm:0} ms");
        // Interleaved (each round runs every CLI once), so a slow minute on this shared machine hits them all alike.
        var best = clis.Select(_ => double.MaxValue).ToArray();
        for (var round = 0; round < runs; round++)
        {
            for (var c = 0; c < clis.Count; c++)
            {
                best[c] = Math.Min(best[c], Fresh(clis[c], project, Path.Combine(folder.Path, $"out{round}-{c}"), tier));
            }
        }

        for (var c = 0; c < clis.Count; c++)
        {
            Console.WriteLine($"  fresh process {clis[c].Replace(Repository.Root + "/", "", StringComparison.Ordinal)}: {best[c]:0} ms = {best[c] / warm:0.00}x the warmed time");
        }

        return 0;
    }

    private static double Fresh(string cli, string project, string output, CompileTier tier)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        var words = cli.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var setting in words[1..])
        {
            var (name, value) = (setting[..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
            start.Environment[name] = value;
        }

        foreach (var argument in (string[])[words[0], "compile", project, "--out", output, "--tier", tier.Name()])
        {
            start.ArgumentList.Add(argument);
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{cli} did not finish within 5 minutes.");
        }

        var elapsed = watch.Elapsed.TotalMilliseconds;
        if (process.ExitCode is not (0 or 1))
        {
            throw new InvalidOperationException($"{cli} exited with {process.ExitCode}: {stderr.Result}");
        }

        return elapsed;
    }
}
