using System.Collections.Immutable;
using Grump.Hyper.Engine.Optimisation;

namespace Grump.Hyper.Engine.Sharding;

/// <summary>One way of cutting the files into shards, and its makespan: the cost of the heaviest shard.</summary>
public sealed record ShardScore(string Planner, long Makespan, bool Chosen);

/// <summary>Which shard each file goes to, the cost of each shard, and how every planner scored.</summary>
public sealed record ShardPlan(ImmutableArray<int> ShardOf, ImmutableArray<long> ShardCosts, ImmutableArray<ShardScore> Scores)
{
    public long Makespan => ShardCosts.IsEmpty ? 0 : ShardCosts.Max();
}

/// <summary>
/// Balances files across shards (worker processes) so the slowest shard finishes as early as possible.
/// The baseline is greedy LPT (largest first, onto the lightest shard); annealing, a genetic algorithm and
/// a particle swarm start from it with a fixed seed and may only improve on it; the lowest makespan
/// wins, ties to the earlier planner, so the plan is the same on every run and every machine.
/// </summary>
public static class ShardPlanner
{
    public const int Seed = 20261125;

    private static readonly IOptimiser[] Optimisers = [new SimulatedAnnealing(), new GeneticAlgorithm(), new ParticleSwarm()];

    /// <param name="costs">Estimated cost of each file (bytes to compile; a likely cache hit costs next to nothing).</param>
    public static ShardPlan Plan(IReadOnlyList<long> costs, int shards, int? evaluations = null)
    {
        // Each evaluation is O(files); the budget keeps a plan to tens of milliseconds at any size.
        var budget = evaluations ?? (int)Math.Clamp(1_000_000L / Math.Max(1, costs.Count), 50, 2000);
        shards = Math.Max(1, Math.Min(shards, Math.Max(1, costs.Count)));
        var greedy = Greedy(costs, shards);
        var candidates = new List<(string Name, int[] Genes)> { ("greedy", greedy) };
        if (shards > 1 && costs.Count > 1)
        {
            var problem = new SearchProblem(costs.Count, 0, shards - 1, genes => Makespan(costs, genes, shards), greedy);
            candidates.AddRange(Optimisers.Select(o => (o.Name, o.Optimise(problem, Seed, budget))));
        }

        var scored = candidates.Select(c => (c.Name, c.Genes, Makespan: Makespan(costs, c.Genes, shards))).ToList();
        var best = scored.MinBy(s => s.Makespan);
        return new ShardPlan(
            [.. best.Genes],
            [.. Loads(costs, best.Genes, shards)],
            [.. scored.Select(s => new ShardScore(s.Name, s.Makespan, s.Name == best.Name))]);
    }

    public static int[] Greedy(IReadOnlyList<long> costs, int shards)
    {
        var assignment = new int[costs.Count];
        var loads = new PriorityQueue<int, (long Load, int Shard)>();
        for (var s = 0; s < shards; s++)
        {
            loads.Enqueue(s, (0, s));
        }

        foreach (var file in Enumerable.Range(0, costs.Count).OrderByDescending(i => costs[i]).ThenBy(i => i))
        {
            loads.TryDequeue(out var shard, out var load);
            assignment[file] = shard;
            loads.Enqueue(shard, (load.Load + costs[file], shard));
        }

        return assignment;
    }

    private static long[] Loads(IReadOnlyList<long> costs, int[] genes, int shards)
    {
        var loads = new long[shards];
        for (var i = 0; i < genes.Length; i++)
        {
            loads[genes[i]] += costs[i];
        }

        return loads;
    }

    private static long Makespan(IReadOnlyList<long> costs, int[] genes, int shards) => Loads(costs, genes, shards).Max();
}
