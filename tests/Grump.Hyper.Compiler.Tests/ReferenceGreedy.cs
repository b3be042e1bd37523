using System.Collections.Immutable;
using Grump.Hyper.Compiler.Splitting;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// The greedy partitioner as first written (every candidate partition evaluated whole, routes counted
/// one by one), kept as the reference the fast one must equal.
/// The baseline: a group big enough becomes its own common chunk, a small one is copied into its
/// consumers; then, while a route loads too many chunks, the cheapest merge (or copy) is applied.
/// </summary>
internal sealed class ReferenceGreedy : IChunkPartitioner
{
    public static ReferenceGreedy Instance { get; } = new();

    public string Name => "greedy";

    public ChunkPartition Partition(SplitProblem problem)
    {
        var assignment = new int[problem.Groups.Length];
        for (var g = 0; g < assignment.Length; g++)
        {
            assignment[g] = problem.Groups[g].Bytes >= problem.Limits.MinChunkBytes ? g : ChunkPartition.Duplicate;
        }

        var partition = new ChunkPartition([.. assignment]);
        for (var guard = 0; guard < problem.Groups.Length; guard++)
        {
            var counts = problem.RouteRoots.Keys.ToDictionary(r => r, r => problem.InitialChunks(r, partition), StringComparer.Ordinal);
            var worst = counts.Where(c => c.Value > problem.Limits.MaxInitialChunks)
                .OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal)
                .Select(c => c.Key).FirstOrDefault();
            if (worst is null)
            {
                break;
            }

            var loaded = problem.CommonChunksLoaded(problem.RouteRoots[worst], partition).Order().ToList();
            if (loaded.Count == 0)
            {
                break; // the route's own, vendor and root chunks alone are over the limit: nothing to merge
            }

            ChunkPartition? best = null;
            var bestCost = long.MaxValue;
            foreach (var candidate in Moves(partition, loaded))
            {
                var cost = problem.Objective(candidate);
                if (cost < bestCost)
                {
                    (best, bestCost) = (candidate, cost);
                }
            }

            partition = best!;
        }

        return partition;
    }

    /// <summary>Merging two chunks a route loads, or copying one of them into its consumers.</summary>
    private static IEnumerable<ChunkPartition> Moves(ChunkPartition partition, List<int> loaded)
    {
        for (var i = 0; i < loaded.Count; i++)
        {
            for (var j = i + 1; j < loaded.Count; j++)
            {
                var (keep, drop) = (loaded[i], loaded[j]);
                yield return new ChunkPartition([.. partition.Assignment.Select(a => a == drop ? keep : a)]);
            }

            var copied = loaded[i];
            yield return new ChunkPartition([.. partition.Assignment.Select(a => a == copied ? ChunkPartition.Duplicate : a)]);
        }
    }
}
