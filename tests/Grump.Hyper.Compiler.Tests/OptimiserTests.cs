using Grump.Hyper.Compiler.Optimisation;
using Grump.Hyper.Compiler.Splitting;

namespace Grump.Hyper.Compiler.Tests;

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

    [Fact]
    public void The_chosen_partition_is_never_worse_than_greedy_and_every_score_is_reported()
    {
        // Six routes sharing modules in overlapping sets, with a tight chunk limit: room to do better than greedy.
        var files = new List<Modules.SourceFile>
        {
            new("grump.json", System.Text.Encoding.UTF8.GetBytes("""{ "split": { "minChunkBytes": 100, "maxInitialChunks": 3 } }""")),
        };
        var shared = Enumerable.Range(0, 8).Select(i => $"s{i}").ToList();
        foreach (var s in shared)
        {
            files.Add(new($"{s}.intent", System.Text.Encoding.UTF8.GetBytes($"---\nid: {s}\n---\n" + string.Concat(Enumerable.Repeat($"Build a dashboard {s}. ", 5 + shared.IndexOf(s))))));
        }

        for (var r = 0; r < 6; r++)
        {
            var deps = string.Join(", ", shared.Where((_, i) => (i + r) % 3 != 0));
            files.Add(new($"r{r}.intent", System.Text.Encoding.UTF8.GetBytes($"---\nroute: /r{r}\ndepends: [{deps}]\n---\nA page.")));
        }

        var split = Compilation.Compile(files).Split!;
        Assert.Equal(["greedy", "annealing", "genetic", "swarm"], split.Scores.Select(s => s.Partitioner));
        var greedy = split.Scores[0];
        var chosen = split.Scores.Single(s => s.Partitioner == split.Chosen);
        Assert.True(chosen.Valid);
        Assert.True(chosen.BytesLoaded <= greedy.BytesLoaded);
        Assert.Equal(split.Scores.Where(s => s.Valid).Min(s => s.BytesLoaded), chosen.BytesLoaded);
    }
}
