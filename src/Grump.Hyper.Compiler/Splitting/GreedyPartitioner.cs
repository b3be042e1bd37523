using System.Collections.Immutable;

namespace Grump.Hyper.Compiler.Splitting;

/// <summary>
/// The baseline: a group big enough becomes its own common chunk, a small one is copied into its
/// consumers; then, while a route loads too many chunks, the cheapest merge (or copy) is applied.
/// </summary>
public sealed class GreedyPartitioner : IChunkPartitioner
{
    public static GreedyPartitioner Instance { get; } = new();

    public string Name => "greedy";

    /// <summary>Computed once per problem: the metaheuristics start from it, and they run beside the greedy pass that made it.</summary>
    public ChunkPartition Partition(SplitProblem problem) => problem.Greedy ??= Compute(problem);

    private static ChunkPartition Compute(SplitProblem problem)
    {
        var assignment = new int[problem.Groups.Length];
        for (var g = 0; g < assignment.Length; g++)
        {
            assignment[g] = problem.Groups[g].Bytes >= problem.Limits.MinChunkBytes ? g : ChunkPartition.Duplicate;
        }

        var partition = new ChunkPartition([.. assignment]);
        for (var guard = 0; guard < problem.Groups.Length; guard++)
        {
            // The route over the limit that loads the most chunks (on a tie the first in ordinal order, as routes are).
            var byRoute = problem.LoadedChunks(partition);
            var worst = -1;
            for (var r = 0; r < byRoute.Length; r++)
            {
                var count = problem.FixedChunks(r) + byRoute[r].Length;
                if (count > problem.Limits.MaxInitialChunks && (worst < 0 || count > problem.FixedChunks(worst) + byRoute[worst].Length))
                {
                    worst = r;
                }
            }

            if (worst < 0)
            {
                break;
            }

            var loaded = byRoute[worst].ToList();
            if (loaded.Count == 0)
            {
                break; // the route's own, vendor and root chunks alone are over the limit: nothing to merge
            }

            // Each move's objective is the current one plus what the move changes (exact integers, so the same
            // choice as evaluating every candidate partition whole: the first with the lowest objective).
            var chunks = problem.ChunkSummaries(partition);
            (int Keep, int Drop)? best = null;
            var bestDelta = long.MaxValue;
            for (var i = 0; i < loaded.Count; i++)
            {
                var a = chunks[loaded[i]];
                for (var j = i + 1; j < loaded.Count; j++)
                {
                    var b = chunks[loaded[j]];
                    var delta = ((a.Bytes + b.Bytes) * SplitProblem.UnionCount(a.Routes, b.Routes)) - (a.Bytes * SplitProblem.PopCount(a.Routes)) - (b.Bytes * SplitProblem.PopCount(b.Routes));
                    if (delta < bestDelta)
                    {
                        (best, bestDelta) = ((loaded[i], loaded[j]), delta);
                    }
                }

                var copy = a.CopyCost - (a.Bytes * SplitProblem.PopCount(a.Routes));
                if (copy < bestDelta)
                {
                    (best, bestDelta) = ((ChunkPartition.Duplicate, loaded[i]), copy);
                }
            }

            var (keep, drop) = best!.Value;
            partition = new ChunkPartition([.. partition.Assignment.Select(x => x == drop ? keep : x)]);
        }

        return partition;
    }
}
