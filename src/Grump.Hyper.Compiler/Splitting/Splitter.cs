using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Linking;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;

namespace Grump.Hyper.Compiler.Splitting;

/// <summary>One chunk file of the split output.</summary>
public sealed record Chunk(string Name, string Kind, string File, ImmutableArray<string> Modules, ArtifactContent Content);

/// <summary>How well one partitioner did: its objective (bytes loaded up front over all routes) and whether it met the limits.</summary>
public sealed record PartitionScore(string Partitioner, long BytesLoaded, bool Valid);

public sealed record SplitResult(
    ImmutableArray<Chunk> Chunks,
    ImmutableSortedDictionary<string, ImmutableArray<string>> Routes,
    ImmutableSortedDictionary<string, ImmutableArray<string>> LazyChunks,
    ImmutableArray<PartitionScore> Scores,
    string Chosen,
    ImmutableArray<Diagnostic> Diagnostics);

/// <summary>
/// Splits the compiled modules into chunks. Each module with a route is an entry; lazy modules are
/// dynamic chunks; vendor modules share a vendor chunk; modules reached by several roots are common
/// chunks when they reach minChunkBytes, else copied into each root. The cut of the shared groups is
/// left to partitioners, scored by bytes loaded per route; the best valid one is used.
/// </summary>
public static class Splitter
{
    public static SplitResult Split(LinkResult link, SplitSettings settings, RenderedModules rendered, FinishOptions? options = null, SplitGraph? graph = null)
    {
        options ??= FinishOptions.Sequential;
        var partitioners = options.Partitioners ?? [GreedyPartitioner.Instance];
        graph ??= SplitGraph.Of(link);
        var modules = graph.Modules;
        var roots = graph.Roots;
        var closures = graph.Closures;
        var exclusive = graph.Exclusive;
        var vendor = graph.Vendor;
        var routeRoots = graph.RouteRoots;
        var bytes = link.Modules.ToDictionary(m => m.Id, m => (long)rendered.Json(m).Length, StringComparer.Ordinal);
        var groups = graph.Groups.Select(g => g with { Bytes = g.Modules.Sum(id => bytes[id]) }).ToImmutableArray();

        long RootBytes(string root) => bytes[root] + exclusive[root].Sum(id => bytes[id]);
        var vendorBytes = vendor.Sum(id => bytes[id]);
        var fixedBytes = ImmutableSortedDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
        var fixedChunks = ImmutableSortedDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        foreach (var (route, root) in routeRoots)
        {
            var otherRoots = graph.LoadedRoots[route].RemoveAt(0);
            var usesVendor = graph.UsesVendor[route];
            fixedBytes[route] = RootBytes(root) + otherRoots.Sum(RootBytes) + (usesVendor ? vendorBytes : 0);
            fixedChunks[route] = 1 + otherRoots.Length + (usesVendor ? 1 : 0);
        }

        var loadedRoots = graph.LoadedRoots;
        var problem = new SplitProblem(groups, fixedBytes.ToImmutable(), fixedChunks.ToImmutable(), routeRoots, loadedRoots, settings, graph.Shape);
        // Each partitioner is deterministic on its own, so running them side by side changes nothing but time.
        var tried = partitioners.ToList();
        var found = Partition(problem, tried, options.Parallel);
        if (!found.Any(f => f.Valid) && options.FallbackPartitioners is { Count: > 0 } fallback)
        {
            tried.AddRange(fallback);
            found = [.. found, .. Partition(problem, fallback, options.Parallel)];
        }

        var scores = ImmutableArray.CreateBuilder<PartitionScore>();
        (ChunkPartition Partition, string Name, long Cost, bool Valid)? best = null;
        for (var i = 0; i < tried.Count; i++)
        {
            var (partition, cost, valid) = found[i];
            scores.Add(new PartitionScore(tried[i].Name, cost, valid));
            if (best is null || (valid && !best.Value.Valid) || (valid == best.Value.Valid && cost < best.Value.Cost))
            {
                best = (partition, tried[i].Name, cost, valid);
            }
        }

        var chosen = best!.Value;
        var builder = new ChunkBuilder(rendered, options.Memo);
        var split = Rechunk(link, settings, modules, builder, chosen.Partition, options.Memo, scores.ToImmutable(), chosen.Name)
            ?? Materialize(link, modules, builder, roots, closures, exclusive, groups, vendor, chosen.Partition, routeRoots, problem, scores.ToImmutable(), chosen.Name);
        if (options.Memo is { } memo)
        {
            memo.LastSplit = new SplitMemo(link.Edges, settings, chosen.Partition.Assignment, [.. link.Modules], split);
        }

        return split;
    }

    /// <summary>
    /// The split of the build before, with only the chunks that hold a changed module made again: valid when
    /// the graph is the very same (so every chunk's members are too, given the same partition) and the partition
    /// came out the same. Routes and lazy lists are the build before's with the renamed files swapped in. Null
    /// when it does not apply (then every chunk is laid out from the partition).
    /// </summary>
    private static SplitResult? Rechunk(LinkResult link, SplitSettings settings, Dictionary<string, CompiledModule> modules, ChunkBuilder builder, ChunkPartition partition,
        FinishMemo? memo, ImmutableArray<PartitionScore> scores, string chosen)
    {
        // The limits too: the diagnostics are the build before's, and they read them.
        if (memo?.LastSplit is not { } last || !ReferenceEquals(last.Edges, link.Edges) || last.Settings != settings || last.Modules.Length != link.Modules.Length
            || !last.Assignment.AsSpan().SequenceEqual(partition.Assignment.AsSpan()))
        {
            return null;
        }

        // The same edges object means the link was reused, so the modules sit in the same order: changed ones are new objects.
        var dirty = new SortedSet<int>();
        for (var i = 0; i < link.Modules.Length; i++)
        {
            if (!ReferenceEquals(last.Modules[i], link.Modules[i]))
            {
                if (last.Modules[i].Id != link.Modules[i].Id)
                {
                    return null;
                }

                dirty.UnionWith(last.ChunksOf(link.Modules[i].Id));
            }
        }

        var chunks = last.Result.Chunks.ToArray();
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in dirty)
        {
            var was = chunks[c];
            chunks[c] = builder.Build(was.Name, was.Kind, new SortedSet<string>(was.Modules, StringComparer.Ordinal), modules);
            if (chunks[c].File != was.File)
            {
                renamed[was.File] = chunks[c].File;
            }
        }

        builder.Reused(chunks.Length - dirty.Count);
        ImmutableSortedDictionary<string, ImmutableArray<string>> Swap(ImmutableSortedDictionary<string, ImmutableArray<string>> lists) => renamed.Count == 0 ? lists
            : ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, lists.Select(l => KeyValuePair.Create(l.Key, l.Value.Any(renamed.ContainsKey) ? [.. l.Value.Select(f => renamed.GetValueOrDefault(f, f))] : l.Value)));
        return last.Result with
        {
            Chunks = [.. chunks.OrderBy(c => c.File, StringComparer.Ordinal)],
            Routes = Swap(last.Result.Routes),
            LazyChunks = Swap(last.Result.LazyChunks),
            Scores = scores,
            Chosen = chosen,
        };
    }

    private static (ChunkPartition Partition, long Cost, bool Valid)[] Partition(SplitProblem problem, IReadOnlyList<IChunkPartitioner> partitioners, bool parallel)
    {
        var found = new (ChunkPartition Partition, long Cost, bool Valid)[partitioners.Count];
        void Run(int i)
        {
            var partition = partitioners[i].Partition(problem);
            found[i] = (partition, problem.Objective(partition), problem.IsValid(partition));
        }

        if (parallel)
        {
            Parallel.For(0, partitioners.Count, Run);
        }
        else
        {
            for (var i = 0; i < partitioners.Count; i++)
            {
                Run(i);
            }
        }

        return found;
    }

    private static SplitResult Materialize(LinkResult link, Dictionary<string, CompiledModule> modules, ChunkBuilder builder,
        List<string> roots, Dictionary<string, (HashSet<string> Static, SortedSet<string> Lazy)> closures, ILookup<string, string> exclusive,
        ImmutableArray<SharedGroup> groups, List<string> vendor, ChunkPartition partition, ImmutableSortedDictionary<string, string> routeRoots,
        SplitProblem problem, ImmutableArray<PartitionScore> scores, string chosen)
    {
        var chunks = new List<Chunk>();
        var rootChunk = new Dictionary<string, Chunk>(StringComparer.Ordinal);
        var copiedInto = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var g = 0; g < groups.Length; g++)
        {
            if (partition.Assignment[g] == ChunkPartition.Duplicate)
            {
                foreach (var consumer in groups[g].Consumers)
                {
                    if (!copiedInto.TryGetValue(consumer, out var list))
                    {
                        copiedInto[consumer] = list = [];
                    }

                    list.Add(g);
                }
            }
        }

        foreach (var root in roots)
        {
            var members = new SortedSet<string>(StringComparer.Ordinal) { root };
            members.UnionWith(exclusive[root]);
            foreach (var g in copiedInto.GetValueOrDefault(root) ?? [])
            {
                members.UnionWith(groups[g].Modules);
            }

            var kind = modules[root].Lazy ? "dynamic" : "entry";
            var chunk = builder.Build((kind == "dynamic" ? "lazy-" : "route-") + Slug(root), kind, members, modules);
            rootChunk[root] = chunk;
            chunks.Add(chunk);
        }

        var commonChunk = new Dictionary<int, Chunk>();
        foreach (var number in partition.Assignment.Where(a => a != ChunkPartition.Duplicate).Distinct().Order())
        {
            var members = new SortedSet<string>(Enumerable.Range(0, groups.Length).Where(g => partition.Assignment[g] == number).SelectMany(g => groups[g].Modules), StringComparer.Ordinal);
            var chunk = builder.Build("common-" + Hash8(string.Join('\n', members)), "common", members, modules);
            commonChunk[number] = chunk;
            chunks.Add(chunk);
        }

        Chunk? vendorChunk = vendor.Count > 0 ? builder.Build("vendor", "vendor", new SortedSet<string>(vendor, StringComparer.Ordinal), modules) : null;
        if (vendorChunk is not null)
        {
            chunks.Add(vendorChunk);
        }

        var placed = chunks.SelectMany(c => c.Modules).ToHashSet(StringComparer.Ordinal);
        var orphans = new SortedSet<string>(link.Modules.Select(m => m.Id).Where(id => !placed.Contains(id)), StringComparer.Ordinal);
        if (orphans.Count > 0)
        {
            chunks.Add(builder.Build("orphans", "orphan", orphans, modules));
        }

        var order = link.Order.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i, StringComparer.Ordinal);
        var routes = ImmutableSortedDictionary.CreateBuilder<string, ImmutableArray<string>>(StringComparer.Ordinal);
        var lazy = ImmutableSortedDictionary.CreateBuilder<string, ImmutableArray<string>>(StringComparer.Ordinal);
        var diagnostics = new DiagnosticBag();
        var loadedChunks = problem.LoadedChunks(partition);
        var routeIndex = 0;
        foreach (var (route, root) in routeRoots)
        {
            var files = new List<string>();
            var closure = closures[root];
            if (vendorChunk is not null && closure.Static.Any(id => modules[id].Vendor && vendorChunk.Modules.Contains(id)))
            {
                files.Add(vendorChunk.File);
            }

            files.AddRange(loadedChunks[routeIndex++].Select(n => commonChunk[n]).OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => c.File));
            files.AddRange(closure.Static.Where(id => id != root && rootChunk.ContainsKey(id)).OrderBy(id => order[id]).Select(id => rootChunk[id].File));
            files.Add(rootChunk[root].File);
            routes[route] = [.. files];
            lazy[route] = [.. closure.Lazy.Select(id => rootChunk[id].File)];

            var module = modules[root];
            if (files.Count > problem.Limits.MaxInitialChunks)
            {
                diagnostics.Report(DiagnosticCatalog.TooManyInitialChunks, module.Path, module.Locations.Route.Line, module.Locations.Route.Column, route, files.Count, problem.Limits.MaxInitialChunks);
            }

            if (closure.Lazy.Count > problem.Limits.MaxAsyncChunks)
            {
                diagnostics.Report(DiagnosticCatalog.TooManyAsyncChunks, module.Path, module.Locations.Route.Line, module.Locations.Route.Column, route, closure.Lazy.Count, problem.Limits.MaxAsyncChunks);
            }
        }

        return new SplitResult([.. chunks.OrderBy(c => c.File, StringComparer.Ordinal)], routes.ToImmutable(), lazy.ToImmutable(), scores, chosen, diagnostics.ToImmutableSorted());
    }

    /// <summary>What a root needs at once (not crossing into other lazy modules) and the lazy modules it can load later.</summary>
    internal static (HashSet<string> Static, SortedSet<string> Lazy) Closure(string root, LinkResult link, Dictionary<string, CompiledModule> modules)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { root };
        var lazy = new SortedSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            foreach (var dep in link.Edges[stack.Pop()])
            {
                if (modules[dep].Lazy && dep != root)
                {
                    lazy.Add(dep);
                }
                else if (seen.Add(dep))
                {
                    stack.Push(dep);
                }
            }
        }

        return (seen, lazy);
    }

    private static string Slug(string id) => id.Replace('/', '-');

    private static string Hash8(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8];
}

/// <summary>
/// The part of a split that only the module graph decides (roots, what each reaches, which roots share
/// which modules): computed once per linked graph and reused by every build whose graph is the same
/// (a body edit changes bytes, never these), so such a build only re-weighs and re-cuts.
/// </summary>
public sealed record SplitGraph
{
    private SplitGraph()
    {
    }

    internal Dictionary<string, CompiledModule> Modules { get; private init; } = null!;
    internal List<string> Roots { get; private init; } = null!;
    internal Dictionary<string, (HashSet<string> Static, SortedSet<string> Lazy)> Closures { get; private init; } = null!;
    internal ILookup<string, string> Exclusive { get; private init; } = null!;
    internal ImmutableArray<SharedGroup> Groups { get; private init; }
    internal List<string> Vendor { get; private init; } = null!;
    internal ImmutableSortedDictionary<string, string> RouteRoots { get; private init; } = ImmutableSortedDictionary<string, string>.Empty;
    internal ImmutableSortedDictionary<string, ImmutableArray<string>> LoadedRoots { get; private init; } = null!;
    internal Dictionary<string, bool> UsesVendor { get; private init; } = null!;
    internal (ulong[][] RoutesOfGroup, long[] Copies) Shape { get; private init; }

    /// <summary>The graph the analysis was made from: reuse is valid only for this very edge set.</summary>
    public required ImmutableSortedDictionary<string, ImmutableArray<string>> Edges { get; init; }

    public static SplitGraph Of(LinkResult link)
    {
        var modules = link.Modules.ToDictionary(m => m.Id, StringComparer.Ordinal);
        var roots = link.Modules.Where(m => m.Route is not null || m.Lazy).Select(m => m.Id).Order(StringComparer.Ordinal).ToList();
        var rootSet = roots.ToHashSet(StringComparer.Ordinal);
        var closures = roots.ToDictionary(r => r, r => Splitter.Closure(r, link, modules), StringComparer.Ordinal);

        var consumers = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var (root, closure) in closures)
        {
            foreach (var id in closure.Static.Where(id => !rootSet.Contains(id) && !modules[id].Vendor))
            {
                if (!consumers.TryGetValue(id, out var set))
                {
                    consumers[id] = set = new SortedSet<string>(StringComparer.Ordinal);
                }

                set.Add(root);
            }
        }

        var exclusive = consumers.Where(c => c.Value.Count == 1).ToLookup(c => c.Value.Min!, c => c.Key, StringComparer.Ordinal);
        var groups = consumers.Where(c => c.Value.Count > 1)
            .GroupBy(c => string.Join('\n', c.Value), StringComparer.Ordinal)
            .Select(g => new SharedGroup([.. g.Select(c => c.Key)], [.. g.First().Value], 0))
            .OrderBy(g => string.Join('\n', g.Consumers), StringComparer.Ordinal)
            .ToImmutableArray();
        var vendor = link.Modules.Where(m => m.Vendor && !rootSet.Contains(m.Id)).Select(m => m.Id).ToList();

        // What each route loads whatever the partition: its own chunk, other roots it reaches, the vendor chunk.
        // Two modules on one route is reported by the linker (GH1033); the route stays with the first.
        var routeRoots = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            roots.Where(r => modules[r].Route is not null).GroupBy(r => modules[r].Route!, StringComparer.Ordinal)
                .Select(g => KeyValuePair.Create(g.Key, g.First())));
        var loadedRoots = ImmutableSortedDictionary.CreateBuilder<string, ImmutableArray<string>>(StringComparer.Ordinal);
        var usesVendor = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (route, root) in routeRoots)
        {
            var otherRoots = closures[root].Static.Where(id => id != root && rootSet.Contains(id)).Order(StringComparer.Ordinal).ToList();
            loadedRoots[route] = [root, .. otherRoots];
            usesVendor[route] = closures[root].Static.Any(id => modules[id].Vendor && !rootSet.Contains(id));
        }

        var loaded = loadedRoots.ToImmutable();
        return new SplitGraph
        {
            Modules = modules,
            Roots = roots,
            Closures = closures,
            Exclusive = exclusive,
            Groups = groups,
            Vendor = vendor,
            RouteRoots = routeRoots,
            LoadedRoots = loaded,
            UsesVendor = usesVendor,
            Shape = SplitProblem.Shape(groups, routeRoots, loaded),
            Edges = link.Edges,
        };
    }

    /// <summary>This analysis with the modules of a build whose graph is the same (flags and edges), for the chunks' contents.</summary>
    public SplitGraph With(LinkResult link) => this with { Modules = link.Modules.ToDictionary(m => m.Id, StringComparer.Ordinal) };
}

/// <summary>
/// The last build's split as the next one can reuse it: the graph and partition it was cut for, the modules
/// it read (in link order), and, made when first asked for, which chunks hold each module.
/// </summary>
internal sealed class SplitMemo(object edges, SplitSettings settings, ImmutableArray<int> assignment, CompiledModule[] modules, SplitResult result)
{
    private Dictionary<string, List<int>>? _chunksOf;

    public object Edges { get; } = edges;

    public SplitSettings Settings { get; } = settings;

    public ImmutableArray<int> Assignment { get; } = assignment;

    public CompiledModule[] Modules { get; } = modules;

    public SplitResult Result { get; } = result;

    /// <summary>Positions in <see cref="SplitResult.Chunks"/> of the chunks that hold a module.</summary>
    public IEnumerable<int> ChunksOf(string module)
    {
        if (_chunksOf is null)
        {
            var index = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            for (var c = 0; c < Result.Chunks.Length; c++)
            {
                foreach (var id in Result.Chunks[c].Modules)
                {
                    if (!index.TryGetValue(id, out var list))
                    {
                        index[id] = list = [];
                    }

                    list.Add(c);
                }
            }

            _chunksOf = index;
        }

        return _chunksOf.GetValueOrDefault(module) ?? [];
    }
}

/// <summary>Writes chunk files from rendered modules, reusing a memoised chunk when its exact contents were built before.</summary>
internal sealed class ChunkBuilder(RenderedModules rendered, FinishMemo? memo)
{
    /// <summary>Chunks taken whole from the build before (counted with the memo's hits for the step reasons).</summary>
    public void Reused(int chunks)
    {
        if (memo is not null)
        {
            Interlocked.Add(ref memo.ChunkHitsThisBuild, chunks);
        }
    }

    public Chunk Build(string name, string kind, SortedSet<string> members, Dictionary<string, CompiledModule> modules)
    {
        if (memo is null)
        {
            return Assemble(name, kind, members, modules);
        }

        // The key: name, kind and a 128-bit hash over the members' own 128-bit hashes, in order (no string per member).
        var hash = new System.IO.Hashing.XxHash128();
        Span<byte> member = stackalloc byte[16];
        foreach (var id in members)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt128LittleEndian(member, rendered.Hash(modules[id]));
            hash.Append(member);
        }

        var key = $"{name}|{kind}|{members.Count}|{hash.GetCurrentHashAsUInt128():x32}";
        return memo.GetOrBuild(key, () => Assemble(name, kind, members, modules));
    }

    private Chunk Assemble(string name, string kind, SortedSet<string> members, Dictionary<string, CompiledModule> modules)
    {
        // The chunk is the modules' own JSON, wrapped, held as parts (never copied together). Its name
        // carries a Merkle hash: SHA-256 over its head and its members' own SHA-256s (each computed once per
        // module value), which fixes every byte of the chunk without reading them again.
        var parts = new ReadOnlyMemory<byte>[(2 * members.Count) + 1];
        var sources = new ArtifactContent?[parts.Length];
        var head = Encoding.UTF8.GetBytes($"{{\n  \"name\": \"{name}\",\n  \"kind\": \"{kind}\",\n  \"modules\": [\n");
        parts[0] = head;
        using var merkle = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        merkle.AppendData(head);
        var n = 1;
        foreach (var id in members)
        {
            if (n > 1)
            {
                parts[n++] = Separator;
            }

            var module = rendered.Content(modules[id]);
            merkle.AppendData(Encoding.ASCII.GetBytes(module.Sha256));
            var json = rendered.Json(modules[id]);
            sources[n] = module;
            parts[n++] = json.AsMemory(0, json.Length - 1); // without its final newline
        }

        parts[n++] = Tail;
        var content = ArtifactContent.Concat(parts[..n], sources[..n]);
        var file = $"chunks/{name}.{Convert.ToHexStringLower(merkle.GetHashAndReset())[..8]}.json";
        return new Chunk(name, kind, file, [.. members], content);
    }

    private static readonly byte[] Separator = ",\n"u8.ToArray();
    private static readonly byte[] Tail = "\n  ]\n}\n"u8.ToArray();
}
