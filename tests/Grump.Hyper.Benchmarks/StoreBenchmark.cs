using System.Diagnostics;
using System.Globalization;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Engine.Pipeline;

namespace Grump.Hyper.Benchmarks;

/// <summary>
/// The service's store step alone, in-process: a build's artifacts hashed on all cores (as the job's finisher does)
/// and saved into a data folder store, for edits of one warm project. What the service benchmark's "running/store to
/// succeeded/done" is made of, without the HTTP, the queue and the job record.
/// </summary>
internal static class StoreBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var files = (int)Args.Get(args, "--files", 10_000);
        var changed = Args.Get(args, "--changed", 0.01);
        var repeat = (int)Args.Get(args, "--repeat", 12);
        var tier = args.Contains("--tier") ? Args.Tier(args) : CompileTier.Aggressive; // the service's default for this benchmark
        using var folder = new TempFolder("grump-bench-store-");
        var store = new DataFolderStore(folder.Path);
        var project = ProjectGenerator.Generate(files, seed: 42);
        var compiler = new HyperCompiler();
        var options = HyperOptions.Default with { Tier = tier };
        var cold = compiler.Compile(project, options);
        Parallel.ForEach(cold.Artifacts, artifact => _ = artifact.Value.Sha256);
        await store.SaveArtifactsAsync("cold", cold.Artifacts, CancellationToken.None);
        var stored = cold.Artifacts.Select(a => a.Value).ToHashSet(ReferenceEqualityComparer.Instance);

        var (hashes, saves) = (new List<double>(), new List<double>());
        for (var i = 0; i < repeat; i++)
        {
            var result = compiler.Compile(ProjectGenerator.Change(project, changed, seed: 43 + i), options);
            // Each edit is made from the project as generated, whose values the store holds: what else the build made is new.
            var fresh = result.Artifacts.Select(a => a.Value).Where(v => !stored.Contains(v)).Distinct().ToList();
            var watch = Stopwatch.StartNew();
            Parallel.ForEach(result.Artifacts, artifact => _ = artifact.Value.Sha256);
            var hash = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            await store.SaveArtifactsAsync($"edit{i}", result.Artifacts, CancellationToken.None);
            var save = watch.Elapsed.TotalMilliseconds;
            hashes.Add(hash);
            saves.Add(save);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{changed:P1} edit {i}: {fresh.Count} new values, {fresh.Sum(v => v.Length) / 1048576.0:0.0} MiB (largest {string.Join(", ", fresh.OrderByDescending(v => v.Length).Take(3).Select(v => $"{v.Length / 1048576.0:0.0}"))} MiB): hash {hash:0.0} ms, save {save:0.0} ms"));
            compiler.Compile(project, options); // back to the project as generated (a whole-project hit), as the benchmark's edits are
        }

        hashes.Sort();
        saves.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"store, {tier.Name()}, {files} files, {changed:P1} edits: hash median {hashes[hashes.Count / 2]:0.0} ms ({hashes[0]:0.0}-{hashes[^1]:0.0}), save median {saves[saves.Count / 2]:0.0} ms ({saves[0]:0.0}-{saves[^1]:0.0})"));
        return 0;
    }
}
