using Grump.Hyper.Compiler;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;
using Grump.Hyper.Compiler.Splitting;
using Grump.Hyper.Engine.Optimisation;
using Grump.Hyper.Engine.Pipeline;

namespace Grump.Hyper.Engine.Tests;

public sealed class OptimiserTests
{
    public static TheoryData<string> Names => ["annealing", "genetic", "swarm"];

    private static IOptimiser Create(string name) => name switch
    {
        "annealing" => new SimulatedAnnealing(),
        "genetic" => new GeneticAlgorithm(),
        _ => new ParticleSwarm(),
    };

    /// <summary>A toy landscape with a known optimum: distance to a hidden target vector.</summary>
    private static SearchProblem Toy()
    {
        int[] target = [3, -1, 7, 0, 5, 2, 9, 4];
        return new SearchProblem(target.Length, -1, 9, g => g.Zip(target, (a, b) => Math.Abs(a - b)).Sum(), new int[target.Length]);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_optimiser_is_deterministic_and_never_worse_than_where_it_started(string name)
    {
        var problem = Toy();
        var first = Create(name).Optimise(problem, 7, 3000);
        var second = Create(name).Optimise(problem, 7, 3000);
        Assert.Equal(first, second);
        Assert.True(problem.Cost(first) < problem.Cost(problem.Start), $"{name} did not improve: {problem.Cost(first)}");
        Assert.True(problem.Cost(first) <= 6, $"{name} ended at {problem.Cost(first)}");
    }

    /// <summary>Six routes sharing modules in overlapping sets, with a tight chunk limit: room to do better than greedy.</summary>
    private static List<SourceFile> Overlapping(int maxInitialChunks, bool routeOnRoute = false)
    {
        var files = new List<SourceFile>
        {
            new("grump.json", System.Text.Encoding.UTF8.GetBytes($$"""{ "split": { "minChunkBytes": 100, "maxInitialChunks": {{maxInitialChunks}} } }""")),
        };
        var shared = Enumerable.Range(0, 8).Select(i => $"s{i}").ToList();
        foreach (var s in shared)
        {
            files.Add(new($"{s}.intent", System.Text.Encoding.UTF8.GetBytes($"---\nid: {s}\n---\n" + string.Concat(Enumerable.Repeat($"Build a dashboard {s}. ", 5 + shared.IndexOf(s))))));
        }

        for (var r = 0; r < 6; r++)
        {
            var deps = string.Join(", ", shared.Where((_, i) => (i + r) % 3 != 0).Concat(routeOnRoute && r == 0 ? ["r1"] : []));
            files.Add(new($"r{r}.intent", System.Text.Encoding.UTF8.GetBytes($"---\nid: r{r}\nroute: /r{r}\ndepends: [{deps}]\n---\nA page.")));
        }

        return files;
    }

    private static SplitResult Split(List<SourceFile> files, FinishOptions? options = null)
    {
        var project = ProjectLoader.Select(files);
        var results = project.Sources.Select(s => ModuleCompiler.Compile(s, project.VendorPaths.Contains(s.Path), CompilationOptions.Default)).ToList();
        return Compilation.Finish(project, results, options).Split!;
    }

    [Fact]
    public void Asked_for_every_partitioner_the_chosen_one_is_never_worse_than_greedy_and_every_score_is_reported()
    {
        var split = Split(Overlapping(3), new FinishOptions { Partitioners = OptimisingPartitioner.All });
        Assert.Equal(["greedy", "annealing", "genetic", "swarm"], split.Scores.Select(s => s.Partitioner));
        var greedy = split.Scores[0];
        var chosen = split.Scores.Single(s => s.Partitioner == split.Chosen);
        Assert.True(chosen.Valid);
        Assert.True(chosen.BytesLoaded <= greedy.BytesLoaded);
        Assert.Equal(split.Scores.Where(s => s.Valid).Min(s => s.BytesLoaded), chosen.BytesLoaded);
    }

    [Fact]
    public void The_engine_runs_the_metaheuristics_only_when_greedy_breaks_a_limit_and_the_compiler_alone_has_none()
    {
        var options = HyperOptions.Default with { Tier = CompileTier.Conservative };
        var valid = new HyperCompiler().Compile(Overlapping(3), options, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(["greedy"], valid.Metrics.Partitioners.Select(p => p.Name));
        Assert.True(valid.Metrics.Partitioners.Single().Valid);

        // A route that loads another route's chunk needs two chunks up front: with a limit of one, every partition breaks
        // it, so no search runs and greedy's answer stands with the limit broken.
        var tight = new HyperCompiler().Compile(Overlapping(1, routeOnRoute: true), options, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(["greedy"], tight.Metrics.Partitioners.Select(p => p.Name));
        Assert.False(tight.Metrics.Partitioners[0].Valid);

        // Where a valid partition exists and the first partitioner misses it, the searches run and one is chosen.
        var searched = Split(Overlapping(2), new FinishOptions { Partitioners = [new EveryGroupItsOwnChunk()], FallbackPartitioners = OptimisingPartitioner.Optimisers });
        Assert.Equal(["every-group", "annealing", "genetic", "swarm"], searched.Scores.Select(s => s.Partitioner));
        Assert.False(searched.Scores[0].Valid);
        Assert.True(searched.Scores.Single(s => s.Partitioner == searched.Chosen).Valid);

        // The compiler library is the language only: without the engine's optimisers, greedy's answer stands.
        var alone = Split(Overlapping(1, routeOnRoute: true));
        Assert.Equal(["greedy"], alone.Scores.Select(s => s.Partitioner));
    }

    /// <summary>A first partitioner that never merges: on a tight limit it breaks it where merging would not.</summary>
    private sealed class EveryGroupItsOwnChunk : IChunkPartitioner
    {
        public string Name => "every-group";

        public ChunkPartition Partition(SplitProblem problem) => new([.. problem.Groups.Select((_, g) => g)]);
    }
}
