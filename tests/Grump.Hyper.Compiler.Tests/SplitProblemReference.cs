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
}
