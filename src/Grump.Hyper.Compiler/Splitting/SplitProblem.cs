using System.Collections.Immutable;
using Grump.Hyper.Compiler.Project;

namespace Grump.Hyper.Compiler.Splitting;

/// <summary>Modules that the same set of roots (entries and lazy modules) all reach: a candidate common chunk.</summary>
public sealed record SharedGroup(ImmutableArray<string> Modules, ImmutableArray<string> Consumers, long Bytes);

/// <summary>
/// What a partitioner decides: which shared groups become common chunks (and which of them share one),
/// and which are small enough to be copied into each root that needs them instead.
/// </summary>
public sealed record ChunkPartition(ImmutableArray<int> Assignment)
{
    public const int Duplicate = -1;
}

/// <summary>The fixed part of a split: what every route loads no matter how the shared groups are cut.</summary>
public sealed record SplitProblem(
    ImmutableArray<SharedGroup> Groups,
    ImmutableSortedDictionary<string, long> RouteFixedBytes,
    ImmutableSortedDictionary<string, int> RouteFixedChunks,
    ImmutableSortedDictionary<string, string> RouteRoots,
    ImmutableSortedDictionary<string, ImmutableArray<string>> RouteLoadedRoots,
    SplitSettings Limits)
{
    /// <summary>Total bytes loaded up front over all routes: what a good partition keeps low.</summary>
    public long Objective(ChunkPartition partition)
    {
        long total = 0;
        foreach (var (route, root) in RouteRoots)
        {
            total += RouteFixedBytes[route] + LoadedBytes(route, root, partition);
        }

        return total;
    }

    /// <summary>Every route within maxInitialChunks, and every common chunk at least minChunkBytes.</summary>
    public bool IsValid(ChunkPartition partition)
    {
        foreach (var size in CommonChunkBytes(partition).Values)
        {
            if (size < Limits.MinChunkBytes)
            {
                return false;
            }
        }

        foreach (var (route, root) in RouteRoots)
        {
            if (RouteFixedChunks[route] + CommonChunksLoaded(root, partition).Count > Limits.MaxInitialChunks)
            {
                return false;
            }
        }

        return true;
    }

    public int InitialChunks(string route, ChunkPartition partition) => RouteFixedChunks[route] + CommonChunksLoaded(RouteRoots[route], partition).Count;

    public HashSet<int> CommonChunksLoaded(string root, ChunkPartition partition)
    {
        var chunks = new HashSet<int>();
        for (var g = 0; g < Groups.Length; g++)
        {
            if (partition.Assignment[g] != ChunkPartition.Duplicate && Groups[g].Consumers.Contains(root))
            {
                chunks.Add(partition.Assignment[g]);
            }
        }

        return chunks;
    }

    public Dictionary<int, long> CommonChunkBytes(ChunkPartition partition)
    {
        var bytes = new Dictionary<int, long>();
        for (var g = 0; g < Groups.Length; g++)
        {
            var chunk = partition.Assignment[g];
            if (chunk != ChunkPartition.Duplicate)
            {
                bytes[chunk] = bytes.GetValueOrDefault(chunk) + Groups[g].Bytes;
            }
        }

        return bytes;
    }

    /// <summary>Common chunks the route needs, plus every copy of a small group inside each root chunk it loads.</summary>
    private long LoadedBytes(string route, string root, ChunkPartition partition)
    {
        long total = 0;
        var chunkBytes = CommonChunkBytes(partition);
        foreach (var chunk in CommonChunksLoaded(root, partition))
        {
            total += chunkBytes[chunk];
        }

        foreach (var loaded in RouteLoadedRoots[route])
        {
            for (var g = 0; g < Groups.Length; g++)
            {
                if (partition.Assignment[g] == ChunkPartition.Duplicate && Groups[g].Consumers.Contains(loaded))
                {
                    total += Groups[g].Bytes;
                }
            }
        }

        return total;
    }
}

/// <summary>Chooses a partition of the shared groups. Implementations must be deterministic.</summary>
public interface IChunkPartitioner
{
    string Name { get; }

    ChunkPartition Partition(SplitProblem problem);
}
