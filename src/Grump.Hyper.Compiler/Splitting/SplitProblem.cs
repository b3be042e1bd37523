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

/// <summary>
/// The fixed part of a split: what every route loads no matter how the shared groups are cut, and for
/// each group the routes that load it (a bitset) and what copying it costs. With those precomputed, an
/// objective evaluation is O(groups x routes / 64), cheap enough for the metaheuristics.
/// </summary>
public sealed class SplitProblem
{
    private readonly string[] _routes;
    private readonly ulong[][] _routesOfGroup;
    private readonly long[] _copyCost;
    private readonly long[] _fixedBytes;
    private readonly int[] _fixedChunks;
    private ImmutableSortedDictionary<string, long>? _routeFixedBytes;
    private ImmutableSortedDictionary<string, int>? _routeFixedChunks;
    private readonly int _words;

    public SplitProblem(
        ImmutableArray<SharedGroup> groups,
        ImmutableSortedDictionary<string, long> routeFixedBytes,
        ImmutableSortedDictionary<string, int> routeFixedChunks,
        ImmutableSortedDictionary<string, string> routeRoots,
        ImmutableSortedDictionary<string, ImmutableArray<string>> routeLoadedRoots,
        SplitSettings limits,
        (ulong[][] RoutesOfGroup, long[] Copies)? shape = null)
        : this(groups, [.. routeRoots.Keys], [.. routeRoots.Keys.Select(r => routeFixedBytes[r])], [.. routeRoots.Keys.Select(r => routeFixedChunks[r])],
            routeRoots, limits, shape ?? Shape(groups, routeRoots, routeLoadedRoots))
    {
        _routeFixedBytes = routeFixedBytes;
        _routeFixedChunks = routeFixedChunks;
    }

    /// <summary>
    /// The split's own: each route's fixed bytes and chunks as arrays in the order of <paramref name="routes"/> (the
    /// keys of <paramref name="routeRoots"/>), so an edit builds no sorted map of them (the maps are made if asked for).
    /// </summary>
    internal SplitProblem(ImmutableArray<SharedGroup> groups, string[] routes, long[] fixedBytes, int[] fixedChunks,
        ImmutableSortedDictionary<string, string> routeRoots, SplitSettings limits, (ulong[][] RoutesOfGroup, long[] Copies) shape)
    {
        Groups = groups;
        RouteRoots = routeRoots;
        Limits = limits;
        _routes = routes;
        _fixedBytes = fixedBytes;
        _fixedChunks = fixedChunks;
        _words = Math.Max(1, (_routes.Length + 63) / 64);
        (_routesOfGroup, var copies) = shape;
        _copyCost = new long[groups.Length];
        for (var g = 0; g < groups.Length; g++)
        {
            _copyCost[g] = copies[g] * groups[g].Bytes;
        }

        FixedTotal = fixedBytes.Sum();
    }

    /// <summary>
    /// The graph-only half of the problem: for each group, the routes that load it (a bitset) and how many
    /// copies of it the routes would load were it duplicated. Bytes do not enter, so a build whose graph is
    /// unchanged reuses it (see <see cref="SplitGraph"/>).
    /// </summary>
    public static (ulong[][] RoutesOfGroup, long[] Copies) Shape(ImmutableArray<SharedGroup> groups,
        ImmutableSortedDictionary<string, string> routeRoots, ImmutableSortedDictionary<string, ImmutableArray<string>> routeLoadedRoots)
    {
        // Roots as numbers, and for each root the groups it consumes: each route then visits only the groups of its own
        // root and of the roots it loads. A set of strings per group, asked once per route and loaded root, was 40% of
        // the split's graph analysis (groups x routes lookups).
        var rootIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        int Index(string root) => rootIndex.TryGetValue(root, out var i) ? i : rootIndex[root] = rootIndex.Count;
        var routes = routeRoots.Keys.ToArray();
        var rootOfRoute = routes.Select(r => Index(routeRoots[r])).ToArray();
        var loadedOfRoute = routes.Select(r => routeLoadedRoots[r].Select(Index).ToArray()).ToArray();
        var groupsOf = new List<List<int>>();
        for (var g = 0; g < groups.Length; g++)
        {
            foreach (var consumer in groups[g].Consumers)
            {
                var root = Index(consumer);
                while (groupsOf.Count <= root)
                {
                    groupsOf.Add([]);
                }

                if (groupsOf[root] is not [.., var last] || last != g) // a consumer counts once per group
                {
                    groupsOf[root].Add(g);
                }
            }
        }

        List<int> GroupsOf(int root) => root < groupsOf.Count ? groupsOf[root] : [];
        var words = Math.Max(1, (routes.Length + 63) / 64);
        var routesOfGroup = new ulong[groups.Length][];
        for (var g = 0; g < groups.Length; g++)
        {
            routesOfGroup[g] = new ulong[words];
        }

        var copies = new long[groups.Length];
        for (var r = 0; r < routes.Length; r++)
        {
            foreach (var g in GroupsOf(rootOfRoute[r]))
            {
                routesOfGroup[g][r >> 6] |= 1UL << (r & 63);
            }

            // A copied group is loaded once for every root chunk of the route that holds a copy.
            foreach (var loaded in loadedOfRoute[r])
            {
                foreach (var g in GroupsOf(loaded))
                {
                    copies[g]++;
                }
            }
        }

        return (routesOfGroup, copies);
    }

    public ImmutableArray<SharedGroup> Groups { get; }

    public ImmutableSortedDictionary<string, long> RouteFixedBytes =>
        _routeFixedBytes ??= ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, _routes.Select((r, i) => KeyValuePair.Create(r, _fixedBytes[i])));

    public ImmutableSortedDictionary<string, int> RouteFixedChunks =>
        _routeFixedChunks ??= ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, _routes.Select((r, i) => KeyValuePair.Create(r, _fixedChunks[i])));

    public ImmutableSortedDictionary<string, string> RouteRoots { get; }

    public SplitSettings Limits { get; }

    private long FixedTotal { get; }

    /// <summary>Greedy's partition of this problem, once made (see <see cref="GreedyPartitioner"/>).</summary>
    internal ChunkPartition? Greedy { get; set; }

    /// <summary>Total bytes loaded up front over all routes: what a good partition keeps low.</summary>
    public long Objective(ChunkPartition partition) => Score(partition.Assignment.AsSpan(), NewScratch()).Objective;

    /// <summary>
    /// Whether any partition meets the limits. One does exactly when no route's fixed chunks alone (its own, the roots
    /// it loads, vendor) are over maxInitialChunks: copying every group (no common chunk at all) then breaks nothing,
    /// and otherwise that route breaks the limit under every partition. Greedy reaches a valid partition whenever one
    /// exists (each of its moves takes a chunk away from the worst route and adds none to any), which a property test
    /// holds. Where this is false no search can find a valid partition, so the split runs none (see Splitter).
    /// </summary>
    public bool Feasible => _fixedChunks.All(f => f <= Limits.MaxInitialChunks);

    /// <summary>Every route within maxInitialChunks, and every common chunk at least minChunkBytes.</summary>
    public bool IsValid(ChunkPartition partition) => Violations(partition) == 0;

    /// <summary>How many limits a partition breaks: small common chunks plus routes over maxInitialChunks.</summary>
    public int Violations(ChunkPartition partition) => Score(partition.Assignment.AsSpan(), NewScratch()).Violations;

    /// <summary>
    /// The objective (fixed bytes, plus each common chunk's bytes times the routes that load it, plus each copied
    /// group's copies) and the limits broken (small common chunks, routes over maxInitialChunks) of one assignment,
    /// in a single pass writing only into <paramref name="scratch"/> (one per search: the metaheuristics score
    /// thousands of partitions per build, and a dictionary and a bitset per chunk per call were most of their
    /// time). A property test holds it equal to the route-by-route reading of the definition.
    /// </summary>
    public (long Objective, int Violations) Score(ReadOnlySpan<int> assignment, PartitionScratch scratch)
    {
        var total = FixedTotal;
        var used = 0;
        for (var g = 0; g < assignment.Length; g++)
        {
            var chunk = assignment[g];
            if (chunk == ChunkPartition.Duplicate)
            {
                total += _copyCost[g];
                continue;
            }

            if (!scratch.Seen[chunk])
            {
                scratch.Seen[chunk] = true;
                scratch.Used[used++] = chunk;
            }

            scratch.Bytes[chunk] += Groups[g].Bytes;
            var routes = scratch.Routes.AsSpan(chunk * _words, _words);
            var group = _routesOfGroup[g];
            for (var w = 0; w < routes.Length; w++)
            {
                routes[w] |= group[w];
            }
        }

        var violations = 0;
        for (var i = 0; i < used; i++)
        {
            var chunk = scratch.Used[i];
            var bytes = scratch.Bytes[chunk];
            var routes = scratch.Routes.AsSpan(chunk * _words, _words);
            long count = 0;
            for (var w = 0; w < routes.Length; w++)
            {
                count += System.Numerics.BitOperations.PopCount(routes[w]);
                for (var bits = routes[w]; bits != 0; bits &= bits - 1)
                {
                    scratch.Loaded[(w << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits)]++;
                }
            }

            total += bytes * count;
            violations += bytes < Limits.MinChunkBytes ? 1 : 0;
            scratch.Bytes[chunk] = 0;
            scratch.Seen[chunk] = false;
            routes.Clear();
        }

        for (var r = 0; r < _routes.Length; r++)
        {
            violations += _fixedChunks[r] + scratch.Loaded[r] > Limits.MaxInitialChunks ? 1 : 0;
            scratch.Loaded[r] = 0;
        }

        return (total, violations);
    }

    /// <summary>Working memory for <see cref="Score"/>, sized for this problem (chunk numbers are group numbers or -1).</summary>
    public PartitionScratch NewScratch() => new(Groups.Length, _words, _routes.Length);

    /// <summary>This thread's spare scratch, kept between builds (at 100,000 files one was 6 MB, made by every build).</summary>
    [ThreadStatic]
    private static PartitionScratch? t_spare;

    /// <summary>
    /// A scratch for one <see cref="Score"/> at a time: this thread's spare when it fits (a score leaves its scratch all
    /// zero, as it found it), else a new one. <see cref="Return"/> it when done; one a score threw out of is never
    /// returned, so no half-written scratch is reused.
    /// </summary>
    internal PartitionScratch RentScratch()
    {
        var spare = t_spare;
        if (spare is not null && spare.Fits(Groups.Length, _words, _routes.Length))
        {
            t_spare = null;
            return spare;
        }

        return NewScratch();
    }

    internal static void Return(PartitionScratch scratch) => t_spare = scratch;

    /// <summary>
    /// The common chunks each route loads (by route, in the order of <see cref="RouteRoots"/>; chunk numbers
    /// ascending), read from the groups' route bitsets: one pass over the groups for all routes (asking route by
    /// route, scanning every group's consumers for the route's root, was the split's largest cost at 100,000 files).
    /// </summary>
    public int[][] LoadedChunks(ChunkPartition partition)
    {
        var byChunk = new SortedDictionary<int, ulong[]>();
        for (var g = 0; g < Groups.Length; g++)
        {
            var chunk = partition.Assignment[g];
            if (chunk == ChunkPartition.Duplicate)
            {
                continue;
            }

            if (!byChunk.TryGetValue(chunk, out var routes))
            {
                byChunk[chunk] = routes = new ulong[_words];
            }

            for (var w = 0; w < _words; w++)
            {
                routes[w] |= _routesOfGroup[g][w];
            }
        }

        var loaded = new List<int>[_routes.Length];
        for (var r = 0; r < loaded.Length; r++)
        {
            loaded[r] = [];
        }

        foreach (var (chunk, routes) in byChunk)
        {
            for (var w = 0; w < _words; w++)
            {
                for (var bits = routes[w]; bits != 0; bits &= bits - 1)
                {
                    loaded[(w << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits)].Add(chunk);
                }
            }
        }

        return [.. loaded.Select(l => l.ToArray())];
    }

    /// <summary>Each common chunk's bytes, the routes that load it, and what copying all its groups would cost instead.</summary>
    internal Dictionary<int, (long Bytes, ulong[] Routes, long CopyCost)> ChunkSummaries(ChunkPartition partition)
    {
        var chunks = new Dictionary<int, (long Bytes, ulong[] Routes, long CopyCost)>();
        for (var g = 0; g < Groups.Length; g++)
        {
            var chunk = partition.Assignment[g];
            if (chunk == ChunkPartition.Duplicate)
            {
                continue;
            }

            if (!chunks.TryGetValue(chunk, out var entry))
            {
                entry = (0, new ulong[_words], 0);
            }

            for (var w = 0; w < _words; w++)
            {
                entry.Routes[w] |= _routesOfGroup[g][w];
            }

            chunks[chunk] = (entry.Bytes + Groups[g].Bytes, entry.Routes, entry.CopyCost + _copyCost[g]);
        }

        return chunks;
    }

    /// <summary>How many routes load either of two chunks.</summary>
    internal static long UnionCount(ulong[] a, ulong[] b)
    {
        long count = 0;
        for (var w = 0; w < a.Length; w++)
        {
            count += System.Numerics.BitOperations.PopCount(a[w] | b[w]);
        }

        return count;
    }

    /// <summary>The chunks a route loads up front whatever the partition (its own, other roots', the vendor chunk), by route index.</summary>
    public int FixedChunks(int route) => _fixedChunks[route];

    /// <summary>How many routes load a chunk.</summary>
    internal static long PopCount(ulong[] bits)
    {
        long count = 0;
        foreach (var word in bits)
        {
            count += System.Numerics.BitOperations.PopCount(word);
        }

        return count;
    }
}

/// <summary>What <see cref="SplitProblem.Score"/> writes into, left cleared after each call.</summary>
public sealed class PartitionScratch(int groups, int words, int routes)
{
    /// <summary>Whether it serves a problem of these sizes (a score lays out the route words by its own problem's).</summary>
    internal bool Fits(int groups, int words, int routes) => Bytes.Length >= groups && Routes.Length >= (long)groups * words && Loaded.Length >= routes;

    internal long[] Bytes { get; } = new long[groups];

    internal ulong[] Routes { get; } = new ulong[groups * words];

    internal bool[] Seen { get; } = new bool[groups];

    internal int[] Used { get; } = new int[groups];

    internal int[] Loaded { get; } = new int[routes];
}

/// <summary>Chooses a partition of the shared groups. Implementations must be deterministic.</summary>
public interface IChunkPartitioner
{
    string Name { get; }

    ChunkPartition Partition(SplitProblem problem);
}
