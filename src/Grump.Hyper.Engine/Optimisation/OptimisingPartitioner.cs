using Grump.Hyper.Compiler;
using Grump.Hyper.Compiler.Splitting;

namespace Grump.Hyper.Engine.Optimisation;

/// <summary>
/// Searches partitions with a metaheuristic, starting from the greedy answer. An optimiser of the engine's, not
/// part of the language: the compiler exposes the seam (<see cref="IChunkPartitioner"/>, tried through
/// <see cref="FinishOptions.FallbackPartitioners"/>) and the engine plugs these in, in every tier. Gene g is the chunk of
/// shared group g (or -1: copied into its consumers); invalid partitions pay a large penalty per broken
/// limit, so the search keeps to valid ones when it can.
/// </summary>
public sealed class OptimisingPartitioner(IOptimiser optimiser) : IChunkPartitioner
{
    /// <summary>Fixed, so every run and every tier finds the same partition.</summary>
    public const int Seed = 20261125;

    private const double Penalty = 1e12;

    /// <summary>The work one search may do, in objective evaluations times problem size.</summary>
    private const long WorkBudget = 20_000_000;

    /// <summary>The metaheuristics, tried only when greedy's partition breaks a limit (see <see cref="FinishOptions.FallbackPartitioners"/>).</summary>
    public static IReadOnlyList<IChunkPartitioner> Optimisers { get; } =
    [
        new OptimisingPartitioner(new SimulatedAnnealing()),
        new OptimisingPartitioner(new GeneticAlgorithm()),
        new OptimisingPartitioner(new ParticleSwarm()),
    ];

    /// <summary>Greedy and every metaheuristic, each run (the benchmark's comparison).</summary>
    public static IReadOnlyList<IChunkPartitioner> All { get; } = [GreedyPartitioner.Instance, .. Optimisers];

    public string Name => optimiser.Name;

    public ChunkPartition Partition(SplitProblem problem)
    {
        var start = GreedyPartitioner.Instance.Partition(problem);
        if (problem.Groups.Length < 2)
        {
            return start;
        }

        var size = ((long)problem.Groups.Length * ((problem.RouteRoots.Count / 64) + 2)) + 1;
        var evaluations = (int)Math.Clamp(WorkBudget / size, 50, 3000);
        var scratch = problem.NewScratch(); // one search, one thread: the optimisers call Cost one at a time
        var search = new SearchProblem(problem.Groups.Length, ChunkPartition.Duplicate, problem.Groups.Length - 1, Cost, [.. start.Assignment]);
        return new ChunkPartition([.. optimiser.Optimise(search, Seed, evaluations)]);

        double Cost(int[] genes)
        {
            var (objective, violations) = problem.Score(genes, scratch);
            return objective + (Penalty * violations);
        }
    }
}
