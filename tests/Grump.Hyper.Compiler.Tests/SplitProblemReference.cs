using Grump.Hyper.Compiler.Splitting;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// The plain, route-by-route reads of a split problem that the first greedy partitioner used: kept here as
/// the reference the bitset reads in <see cref="SplitProblem"/> must equal.
/// </summary>
internal static class SplitProblemReference
{
    public static HashSet<int> CommonChunksLoaded(this SplitProblem problem, string root, ChunkPartition partition)
    {
        var chunks = new HashSet<int>();
        for (var g = 0; g < problem.Groups.Length; g++)
        {
            if (partition.Assignment[g] != ChunkPartition.Duplicate && problem.Groups[g].Consumers.Contains(root))
            {
                chunks.Add(partition.Assignment[g]);
            }
        }

        return chunks;
    }

    public static int InitialChunks(this SplitProblem problem, string route, ChunkPartition partition) =>
        problem.RouteFixedChunks[route] + problem.CommonChunksLoaded(problem.RouteRoots[route], partition).Count;

    /// <summary>
    /// The objective as defined, route by route: every route's fixed bytes, each common chunk's bytes once for
    /// every route that loads it, each copied group once for every route whose root consumes it (for problems
    /// where a route loads its own root alone, as <c>SplitProblemTests</c> makes them).
    /// </summary>
    public static long ReferenceObjective(this SplitProblem problem, ChunkPartition partition)
    {
        var total = problem.RouteFixedBytes.Values.Sum();
        var chunkBytes = new Dictionary<int, long>();
        for (var g = 0; g < problem.Groups.Length; g++)
        {
            var group = problem.Groups[g];
            if (partition.Assignment[g] == ChunkPartition.Duplicate)
            {
                total += group.Bytes * problem.RouteRoots.Values.Count(group.Consumers.Contains);
            }
            else
            {
                chunkBytes[partition.Assignment[g]] = chunkBytes.GetValueOrDefault(partition.Assignment[g]) + group.Bytes;
            }
        }

        foreach (var (chunk, bytes) in chunkBytes)
        {
            total += bytes * problem.RouteRoots.Values.Count(root => problem.CommonChunksLoaded(root, partition).Contains(chunk));
        }

        return total;
    }

    /// <summary>The limits as defined: each common chunk under minChunkBytes, each route loading more than maxInitialChunks up front.</summary>
    public static int ReferenceViolations(this SplitProblem problem, ChunkPartition partition)
    {
        var small = problem.Groups.Select((g, i) => (g.Bytes, Chunk: partition.Assignment[i])).Where(x => x.Chunk != ChunkPartition.Duplicate)
            .GroupBy(x => x.Chunk).Count(c => c.Sum(x => x.Bytes) < problem.Limits.MinChunkBytes);
        return small + problem.RouteRoots.Keys.Count(route => problem.InitialChunks(route, partition) > problem.Limits.MaxInitialChunks);
    }
}
