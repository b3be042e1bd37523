using System.Collections.Immutable;
using System.Runtime.InteropServices;
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
        var routeRoots = graph.RouteRoots;

        // Weighed by position (the graph's module order is the link's), so a build reads each module's size once; a
        // module that is the very one at its place last build weighs what it did (no lookup of its JSON).
        var modules = ImmutableCollectionsMarshal.AsArray(link.Modules)!;
        var last = options.Memo?.LastSplit is { } kept && kept.Modules.Length == modules.Length ? kept : null;
        var bytes = new long[modules.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = last is not null && ReferenceEquals(last.Modules[i], modules[i]) ? last.Bytes[i] : rendered.Json(modules[i]).Length;
        }

        long Sum(int[] positions)
        {
            long sum = 0;
            foreach (var p in positions)
            {
                sum += bytes[p];
            }

            return sum;
        }

        var groups = graph.Groups.Select((g, i) => g with { Bytes = Sum(graph.GroupPositions[i]) }).ToImmutableArray();
        // Per route in route order, from the graph's route tables (they change only with the graph): each root weighed
        // once, however many routes load it. Looking every route up in the graph's sorted maps, and building sorted maps
        // of the routes' fixed bytes and chunks, was about half of a 10-file edit's split at 100,000 files.
        var tables = graph.Tables;
        var rootBytes = new long[tables.RootPositions.Length];
        for (var r = 0; r < rootBytes.Length; r++)
        {
            rootBytes[r] = Sum(tables.RootPositions[r]);
        }

        var vendorBytes = Sum(graph.VendorPositions);
        var fixedBytes = new long[tables.Routes.Length];
        for (var route = 0; route < fixedBytes.Length; route++)
        {
            long sum = tables.UsesVendor[route] ? vendorBytes : 0;
            foreach (var root in tables.LoadedRoots[route])
            {
                sum += rootBytes[root];
            }

            fixedBytes[route] = sum;
        }

        var problem = new SplitProblem(groups, tables.Routes, fixedBytes, tables.FixedChunks, routeRoots, settings, graph.Shape);
        // Each partitioner is deterministic on its own, so running them side by side changes nothing but time.
        var tried = partitioners.ToList();
        var found = Partition(problem, tried, options.Parallel);
        // The fallbacks search for a valid partition, so they run only where one exists: where no route's fixed chunks
        // alone are over the limit. Where they are, every partition breaks it and the first partitioners' answer
        // stands with the limit reported (at 100,000 files the three searches were a fifth of every edit and could
        // only trade one invalid partition for another).
        if (!found.Any(f => f.Valid) && options.FallbackPartitioners is { Count: > 0 } fallback && problem.Feasible)
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
        var (split, members, lists) = Rechunk(link, settings, builder, chosen.Partition, options.Memo, scores.ToImmutable(), chosen.Name)
            ?? Materialize(link, graph, builder, groups, chosen.Partition, problem, scores.ToImmutable(), chosen.Name);
        if (options.Memo is { } memo)
        {
            // A rechunked split keeps every chunk's members and lists at the same place, so the last one's indexes stand;
            // a materialised one knows its members' places as it lays the chunks out, and its lists are indexed when asked.
            memo.LastSplit = new SplitMemo(link.Edges, settings, chosen.Partition.Assignment, modules, bytes, split, members) { Lists = lists };
        }

        return split;
    }

    /// <summary>
    /// The split of the build before, with only the chunks that hold a changed module made again: valid when
    /// the graph is the very same (so every chunk's members are too, given the same partition) and the partition
    /// came out the same. Routes and lazy lists are the build before's with the renamed files swapped in. Null
    /// when it does not apply (then every chunk is laid out from the partition).
    /// </summary>
    private static (SplitResult Split, ChunkMembers Members, ChunkLists? Lists)? Rechunk(LinkResult link, SplitSettings settings, ChunkBuilder builder, ChunkPartition partition,
        FinishMemo? memo, ImmutableArray<PartitionScore> scores, string chosen)
    {
        // The limits too: the diagnostics are the build before's, and they read them.
        if (memo?.LastSplit is not { } last || !ReferenceEquals(last.Edges, link.Edges) || last.Settings != settings || last.Modules.Length != link.Modules.Length
            || !last.Assignment.AsSpan().SequenceEqual(partition.Assignment.AsSpan()))
        {
            return null;
        }

        // The same edges object means the link was reused, so the modules sit in the same order: changed ones are new objects.
        var members = last.Members;
        var dirty = new SortedSet<int>();
        for (var i = 0; i < link.Modules.Length; i++)
        {
            if (!ReferenceEquals(last.Modules[i], link.Modules[i]))
            {
                if (last.Modules[i].Id != link.Modules[i].Id)
                {
                    return null;
                }

                dirty.UnionWith(members.ChunksOf[i]);
            }
        }

        var chunks = last.Result.Chunks.ToArray();
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        var renamedAt = new List<int>();
        foreach (var c in dirty)
        {
            var was = chunks[c];
            chunks[c] = builder.Build(was.Name, was.Kind, was.Modules, Incremental.At(link.Modules.AsSpan(), members.Positions[c]));
            if (chunks[c].File != was.File)
            {
                renamed[was.File] = chunks[c].File;
                renamedAt.Add(c);
            }
        }

        // A chunk's file is its name, a dot and a hash, so the order by file is the order by name whatever the
        // hashes: the array stays sorted (checked, as two roots' slugs can meet), and every position stays.
        for (var i = 1; i < chunks.Length; i++)
        {
            if (string.CompareOrdinal(chunks[i - 1].File, chunks[i].File) > 0)
            {
                return null;
            }
        }

        builder.Reused(chunks.Length - dirty.Count);
        var lists = last.Lists ??= ChunkLists.Of(last.Result);
        ImmutableSortedDictionary<string, ImmutableArray<string>> Swap(ImmutableSortedDictionary<string, ImmutableArray<string>> routes, string[][] holding)
        {
            if (renamedAt.Count == 0)
            {
                return routes;
            }

            // Only the lists that hold a renamed chunk (the index says which), not every route's files hashed to find them.
            // The builder shares the tree and copies only the paths to the lists it replaces.
            var swapped = routes.ToBuilder();
            foreach (var key in renamedAt.SelectMany(c => holding[c]).Distinct(StringComparer.Ordinal))
            {
                swapped[key] = [.. routes[key].Select(f => renamed.GetValueOrDefault(f, f))];
            }

            return swapped.ToImmutable();
        }

        var split = last.Result with
        {
            Chunks = ImmutableCollectionsMarshal.AsImmutableArray(chunks),
            Routes = Swap(last.Result.Routes, lists.Routes),
            LazyChunks = Swap(last.Result.LazyChunks, lists.Lazy),
            Scores = scores,
            Chosen = chosen,
        };
        return (split, members, lists);
    }

    private static (ChunkPartition Partition, long Cost, bool Valid)[] Partition(SplitProblem problem, IReadOnlyList<IChunkPartitioner> partitioners, bool parallel)
    {
        var found = new (ChunkPartition Partition, long Cost, bool Valid)[partitioners.Count];
        void Run(int i)
        {
            var partition = partitioners[i].Partition(problem);
            var scratch = problem.RentScratch();
            var (cost, violations) = problem.Score(partition.Assignment.AsSpan(), scratch);
            SplitProblem.Return(scratch);
            found[i] = (partition, cost, violations == 0);
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

    /// <summary>Every chunk laid out from the partition, on link positions (ascending positions are ids in order).</summary>
    private static (SplitResult Split, ChunkMembers Members, ChunkLists? Lists) Materialize(LinkResult link, SplitGraph graph, ChunkBuilder builder, ImmutableArray<SharedGroup> groups,
        ChunkPartition partition, SplitProblem problem, ImmutableArray<PartitionScore> scores, string chosen)
    {
        var all = link.Modules;
        var placed = new bool[all.Length];
        var placesOf = new Dictionary<Chunk, int[]>(ReferenceEqualityComparer.Instance); // each chunk's members' link positions, for the next build's rechunk
        Chunk Build(string name, string kind, List<int> members)
        {
            members.Sort();
            var ids = ImmutableArray.CreateBuilder<string>(members.Count);
            var values = new List<CompiledModule>(members.Count);
            var places = new List<int>(members.Count);
            for (var i = 0; i < members.Count; i++)
            {
                var m = members[i];
                if (i == 0 || m != members[i - 1]) // the parts are disjoint (a module has one set of consumers); a set, as before
                {
                    ids.Add(all[m].Id);
                    values.Add(all[m]);
                    places.Add(m);
                    placed[m] = true;
                }
            }

            var chunk = builder.Build(name, kind, ids.DrainToImmutable(), [.. values]);
            placesOf[chunk] = [.. places];
            return chunk;
        }

        var chunks = new List<Chunk>();
        var rootChunk = new Dictionary<string, Chunk>(StringComparer.Ordinal);
        var copiedInto = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var commonGroups = new SortedDictionary<int, List<int>>();
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
            else
            {
                if (!commonGroups.TryGetValue(partition.Assignment[g], out var list))
                {
                    commonGroups[partition.Assignment[g]] = list = [];
                }

                list.Add(g);
            }
        }

        foreach (var root in graph.Roots)
        {
            var members = new List<int>(graph.RootPositions[root]); // the root, then the modules only it reaches
            foreach (var g in copiedInto.GetValueOrDefault(root) ?? [])
            {
                members.AddRange(graph.GroupPositions[g]);
            }

            var kind = all[members[0]].Lazy ? "dynamic" : "entry";
            var chunk = Build((kind == "dynamic" ? "lazy-" : "route-") + Slug(root), kind, members);
            rootChunk[root] = chunk;
            chunks.Add(chunk);
        }

        var commonChunk = new Dictionary<int, Chunk>();
        foreach (var (number, numbered) in commonGroups)
        {
            var members = numbered.SelectMany(g => graph.GroupPositions[g]).ToList();
            members.Sort();
            var chunk = Build("common-" + Hash8(string.Join('\n', members.Distinct().Select(m => all[m].Id))), "common", members);
            commonChunk[number] = chunk;
            chunks.Add(chunk);
        }

        Chunk? vendorChunk = graph.VendorPositions.Length > 0 ? Build("vendor", "vendor", [.. graph.VendorPositions]) : null;
        if (vendorChunk is not null)
        {
            chunks.Add(vendorChunk);
        }

        foreach (var piece in OrphanPieces([.. Enumerable.Range(0, all.Length).Where(m => !placed[m])], all))
        {
            chunks.Add(Build("orphans-" + Slug(all[piece[0]].Id), "orphan", piece));
        }

        var position = new Dictionary<string, int>(all.Length, StringComparer.Ordinal);
        for (var m = 0; m < all.Length; m++)
        {
            position[all[m].Id] = m;
        }

        var order = new int[all.Length];
        for (var i = 0; i < link.Order.Length; i++)
        {
            order[position[link.Order[i]]] = i;
        }

        var routes = ImmutableSortedDictionary.CreateBuilder<string, ImmutableArray<string>>(StringComparer.Ordinal);
        var lazy = ImmutableSortedDictionary.CreateBuilder<string, ImmutableArray<string>>(StringComparer.Ordinal);
        var diagnostics = new DiagnosticBag();
        var loadedChunks = problem.LoadedChunks(partition);
        var routeIndex = 0;
        foreach (var (route, root) in graph.RouteRoots)
        {
            var files = new List<string>();
            var closure = graph.Closures[root];
            if (vendorChunk is not null && graph.Tables.UsesVendor[routeIndex]) // the vendor chunk holds every vendor module that is not a root
            {
                files.Add(vendorChunk.File);
            }

            files.AddRange(loadedChunks[routeIndex++].Select(n => commonChunk[n]).OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => c.File));
            files.AddRange(closure.Static.Select(m => all[m].Id).Where(id => id != root && rootChunk.ContainsKey(id)).OrderBy(id => order[position[id]]).Select(id => rootChunk[id].File));
            files.Add(rootChunk[root].File);
            routes[route] = [.. files];
            lazy[route] = [.. closure.Lazy.Select(m => rootChunk[all[m].Id].File)];

            var module = all[position[root]];
            if (files.Count > problem.Limits.MaxInitialChunks)
            {
                diagnostics.Report(DiagnosticCatalog.TooManyInitialChunks, module.Path, module.Locations.Route.Line, module.Locations.Route.Column, route, files.Count, problem.Limits.MaxInitialChunks);
            }

            if (closure.Lazy.Length > problem.Limits.MaxAsyncChunks)
            {
                diagnostics.Report(DiagnosticCatalog.TooManyAsyncChunks, module.Path, module.Locations.Route.Line, module.Locations.Route.Column, route, closure.Lazy.Length, problem.Limits.MaxAsyncChunks);
            }
        }

        ImmutableArray<Chunk> sorted = [.. chunks.OrderBy(c => c.File, StringComparer.Ordinal)];
        var split = new SplitResult(sorted, routes.ToImmutable(), lazy.ToImmutable(), scores, chosen, diagnostics.ToImmutableSorted());
        return (split, ChunkMembers.Of([.. sorted.Select(c => placesOf[c])], all.Length), null);
    }

    private static string Slug(string id) => id.Replace('/', '-');

    /// <summary>
    /// Modules no root reaches, cut into pieces by their ids alone: a piece ends after a module whose id hashes to
    /// 0 modulo <see cref="OrphansPerPiece"/>, so pieces hold about that many modules and a cut never moves when
    /// another module is edited, added or removed. One chunk of every orphan was the largest artifact of a project
    /// where most modules are libraries no route names (27 MB of the benchmark's 10,000 files, 10x that at
    /// 100,000), made, hashed and stored again by nearly every edit.
    /// </summary>
    /// <param name="orphans">Link positions, ascending (so ids in order).</param>
    internal static IEnumerable<List<int>> OrphanPieces(List<int> orphans, ImmutableArray<CompiledModule> modules)
    {
        var piece = new List<int>();
        var utf8 = new byte[256]; // one buffer for every id's bytes
        foreach (var m in orphans)
        {
            piece.Add(m);
            var id = modules[m].Id;
            if (utf8.Length < Encoding.UTF8.GetMaxByteCount(id.Length))
            {
                utf8 = new byte[Encoding.UTF8.GetMaxByteCount(id.Length)];
            }

            if (System.IO.Hashing.XxHash32.HashToUInt32(utf8.AsSpan(0, Encoding.UTF8.GetBytes(id, utf8))) % OrphansPerPiece == 0)
            {
                yield return piece;
                piece = [];
            }
        }

        if (piece.Count > 0)
        {
            yield return piece;
        }
    }

    internal const int OrphansPerPiece = 16;

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


    /// <summary>Each shared group's modules as link positions, in the order of <see cref="Groups"/>.</summary>
    internal int[][] GroupPositions { get; private init; } = null!;

    /// <summary>Each root with the modules only it reaches, as link positions.</summary>
    internal Dictionary<string, int[]> RootPositions { get; private init; } = null!;

    internal int[] VendorPositions { get; private init; } = null!;

    internal List<string> Roots { get; private init; } = null!;
    /// <summary>Each root's closure as link positions: what it needs at once, and the lazy modules it can load (ascending).</summary>
    internal Dictionary<string, (int[] Static, int[] Lazy)> Closures { get; private init; } = null!;
    internal ImmutableArray<SharedGroup> Groups { get; private init; }
    internal ImmutableSortedDictionary<string, string> RouteRoots { get; private init; } = ImmutableSortedDictionary<string, string>.Empty;
    internal ImmutableSortedDictionary<string, ImmutableArray<string>> LoadedRoots { get; private init; } = null!;
    internal (ulong[][] RoutesOfGroup, long[] Copies) Shape { get; private init; }

    /// <summary>The routes as arrays in route order, made with the graph (see <see cref="RouteTables"/>).</summary>
    internal RouteTables Tables { get; private init; } = null!;

    /// <summary>The graph the analysis was made from: reuse is valid only for this very edge set.</summary>
    public required ImmutableSortedDictionary<string, ImmutableArray<string>> Edges { get; init; }

    public static SplitGraph Of(LinkResult link)
    {
        // On link positions (id order, so ascending positions are ids in ordinal order) and the link's int edges: each
        // root's closure, then for every module the roots reaching it. On ids, every edge followed was a lookup in the
        // sorted edge map and every closure a set of strings; this analysis runs on every cold build and header edit.
        var all = link.Modules;
        var n = all.Length;
        var edges = link.EdgeIndexes;
        var isRoot = new bool[n];
        var rootList = new List<int>();
        for (var m = 0; m < n; m++)
        {
            if (all[m].Route is not null || all[m].Lazy)
            {
                isRoot[m] = true;
                rootList.Add(m);
            }
        }

        var roots = rootList.Select(r => all[r].Id).ToList();
        var closures = new Dictionary<string, (int[] Static, int[] Lazy)>(roots.Count, StringComparer.Ordinal);
        var consumers = new List<int>?[n];
        var seen = new int[n]; // stamped with the root's number + 1, so nothing is cleared between roots
        foreach (var root in rootList)
        {
            var closure = Closure(root, edges, all, seen);
            closures[all[root].Id] = closure;
            foreach (var m in closure.Static)
            {
                if (!isRoot[m] && !all[m].Vendor)
                {
                    (consumers[m] ??= []).Add(root); // roots come in ascending order, so each list is sorted
                }
            }
        }

        // One consumer: the module goes in that root's own chunk; more: into the shared group of exactly those consumers.
        var exclusiveOf = new Dictionary<int, List<int>>();
        var groupOf = new Dictionary<string, (List<int> Modules, List<int> Consumers)>(StringComparer.Ordinal);
        var groupOrder = new List<string>();
        for (var m = 0; m < n; m++)
        {
            if (consumers[m] is not { } of)
            {
                continue;
            }

            if (of.Count == 1)
            {
                if (!exclusiveOf.TryGetValue(of[0], out var own))
                {
                    exclusiveOf[of[0]] = own = [];
                }

                own.Add(m);
                continue;
            }

            var key = string.Join('\n', of.Select(r => all[r].Id));
            if (!groupOf.TryGetValue(key, out var group))
            {
                groupOf[key] = group = ([], of);
                groupOrder.Add(key);
            }

            group.Modules.Add(m);
        }

        groupOrder.Sort(StringComparer.Ordinal);
        var groups = groupOrder.Select(key => new SharedGroup([.. groupOf[key].Modules.Select(m => all[m].Id)], [.. groupOf[key].Consumers.Select(r => all[r].Id)], 0)).ToImmutableArray();
        var vendorPositions = Enumerable.Range(0, n).Where(m => all[m].Vendor && !isRoot[m]).ToArray();

        // What each route loads whatever the partition: its own chunk, other roots it reaches, the vendor chunk.
        // Two modules on one route is reported by the linker (GH1033); the route stays with the first.
        var routeRoots = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            rootList.Where(r => all[r].Route is not null).GroupBy(r => all[r].Route!, StringComparer.Ordinal)
                .Select(g => KeyValuePair.Create(g.Key, all[g.First()].Id)));
        var loadedRoots = ImmutableSortedDictionary.CreateBuilder<string, ImmutableArray<string>>(StringComparer.Ordinal);
        var usesVendor = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (route, root) in routeRoots)
        {
            var closure = closures[root].Static;
            var otherRoots = closure.Where(m => isRoot[m] && all[m].Id != root).Order().Select(m => all[m].Id);
            loadedRoots[route] = [root, .. otherRoots];
            usesVendor[route] = closure.Any(m => all[m].Vendor && !isRoot[m]);
        }

        var loaded = loadedRoots.ToImmutable();
        var rootPositions = rootList.ToDictionary(r => all[r].Id, r => (int[])[r, .. exclusiveOf.GetValueOrDefault(r) ?? []], StringComparer.Ordinal);
        return new SplitGraph
        {
            GroupPositions = [.. groupOrder.Select(key => groupOf[key].Modules.ToArray())],
            RootPositions = rootPositions,
            VendorPositions = vendorPositions,
            Roots = roots,
            Closures = closures,
            Groups = groups,
            RouteRoots = routeRoots,
            LoadedRoots = loaded,
            Shape = SplitProblem.Shape(groups, routeRoots, loaded),
            Tables = RouteTables.Of(routeRoots, loaded, usesVendor, rootPositions),
            Edges = link.Edges,
        };
    }

    /// <summary>
    /// What a root needs at once (not crossing into other lazy modules), as positions in any order, and the lazy
    /// modules it can load later, ascending. <paramref name="seen"/> is stamped with the root's position + 1.
    /// </summary>
    private static (int[] Static, int[] Lazy) Closure(int root, int[][] edges, ImmutableArray<CompiledModule> modules, int[] seen)
    {
        var stamp = root + 1;
        var reached = new List<int> { root };
        var lazy = new List<int>();
        seen[root] = stamp;
        var stack = new Stack<int>();
        stack.Push(root);
        while (stack.TryPop(out var at))
        {
            foreach (var dep in edges[at])
            {
                if (modules[dep].Lazy && dep != root)
                {
                    lazy.Add(dep);
                }
                else if (seen[dep] != stamp)
                {
                    seen[dep] = stamp;
                    reached.Add(dep);
                    stack.Push(dep);
                }
            }
        }

        lazy.Sort();
        var distinct = lazy.Count == 0 ? [] : new List<int>(lazy.Count) { lazy[0] };
        for (var i = 1; i < lazy.Count; i++)
        {
            if (lazy[i] != lazy[i - 1])
            {
                distinct.Add(lazy[i]);
            }
        }

        return ([.. reached], [.. distinct]);
    }
}

/// <summary>
/// The last build's split as the next one can reuse it: the graph and partition it was cut for, the modules
/// it read (in link order), and where each chunk's members stand (known as the chunks were laid out, so the first
/// edit after a cold build does not look every member up by id: at 100,000 files that was most of its split).
/// </summary>
/// <param name="Bytes">Each module's JSON size, by link position.</param>
internal sealed record SplitMemo(object Edges, SplitSettings Settings, ImmutableArray<int> Assignment, CompiledModule[] Modules, long[] Bytes, SplitResult Result, ChunkMembers Members)
{
    /// <summary>Which route lists hold each chunk, made the first time a rechunk asks and kept while the chunks' places stay.</summary>
    public ChunkLists? Lists { get; set; }
}

/// <summary>For each chunk (a position in <see cref="SplitResult.Chunks"/>), the routes whose initial and lazy lists hold its file.</summary>
internal sealed record ChunkLists(string[][] Routes, string[][] Lazy)
{
    public static ChunkLists Of(SplitResult split)
    {
        var position = new Dictionary<string, int>(split.Chunks.Length, StringComparer.Ordinal);
        for (var c = 0; c < split.Chunks.Length; c++)
        {
            position[split.Chunks[c].File] = c;
        }

        string[][] Holding(ImmutableSortedDictionary<string, ImmutableArray<string>> lists)
        {
            var holding = new List<string>?[split.Chunks.Length];
            foreach (var (key, files) in lists)
            {
                foreach (var file in files)
                {
                    if (position.TryGetValue(file, out var c) && (holding[c] ??= []) is var routes && (routes.Count == 0 || !ReferenceEquals(routes[^1], key)))
                    {
                        routes.Add(key);
                    }
                }
            }

            return Array.ConvertAll(holding, h => h?.ToArray() ?? []);
        }

        return new ChunkLists(Holding(split.Routes), Holding(split.LazyChunks));
    }
}

/// <summary>Each chunk's members as link positions, and for each position the chunks that hold it (positions in <see cref="SplitResult.Chunks"/>).</summary>
internal sealed record ChunkMembers(int[][] Positions, int[][] ChunksOf)
{
    /// <summary>From each chunk's members' positions: the chunks holding each position.</summary>
    public static ChunkMembers Of(int[][] positions, int modules)
    {
        var holders = new List<int>?[modules];
        for (var c = 0; c < positions.Length; c++)
        {
            foreach (var p in positions[c])
            {
                (holders[p] ??= []).Add(c);
            }
        }

        return new ChunkMembers(positions, Array.ConvertAll(holders, h => h?.ToArray() ?? []));
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

    /// <param name="ids">The members' ids in order.</param>
    /// <param name="members">The members in the same order.</param>
    public Chunk Build(string name, string kind, ImmutableArray<string> ids, CompiledModule[] members)
    {
        // A 128-bit hash over the members' own 128-bit hashes, in order: with the name and kind it fixes every
        // byte of the chunk without reading them, so it is both the memo's key and the hash in the file name.
        var values = new ModuleResult[members.Length];
        var hash = new System.IO.Hashing.XxHash128();
        Span<byte> member = stackalloc byte[16];
        for (var i = 0; i < members.Length; i++)
        {
            values[i] = rendered.Get(members[i]);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt128LittleEndian(member, values[i].Hash);
            hash.Append(member);
        }

        var digest = hash.GetCurrentHashAsUInt128();
        if (memo is null)
        {
            return Assemble(name, kind, ids, values, digest);
        }

        return memo.GetOrBuild($"{name}|{kind}|{members.Length}|{digest:x32}", () => Assemble(name, kind, ids, values, digest));
    }

    private static Chunk Assemble(string name, string kind, ImmutableArray<string> ids, ModuleResult[] members, UInt128 digest)
    {
        // The chunk is the modules' own JSON, wrapped, held as parts (never copied together).
        var parts = new ReadOnlyMemory<byte>[Math.Max(1, 2 * members.Length) + 1];
        var sources = new ArtifactContent?[parts.Length];
        parts[0] = Encoding.UTF8.GetBytes($"{{\n  \"name\": \"{name}\",\n  \"kind\": \"{kind}\",\n  \"modules\": [\n");
        var n = 1;
        foreach (var member in members)
        {
            var (module, json) = (member.Content!, member.Rendered!);
            if (n > 1)
            {
                parts[n++] = Separator;
            }

            sources[n] = module;
            parts[n++] = json.AsMemory(0, json.Length - 1); // without its final newline
        }

        parts[n++] = Tail;
        var content = n == parts.Length ? ArtifactContent.Concat(parts, sources) : ArtifactContent.Concat(parts[..n], sources[..n]);
        var file = $"chunks/{name}.{(ulong)(digest >> 96):x8}.json";
        return new Chunk(name, kind, file, ids, content);
    }

    private static readonly byte[] Separator = ",\n"u8.ToArray();
    private static readonly byte[] Tail = "\n  ]\n}\n"u8.ToArray();
}

/// <summary>
/// A split graph's routes as arrays in route order (ordinal, as <see cref="SplitGraph.RouteRoots"/>): the roots each
/// route loads at once (its own first, as numbers into <see cref="RootPositions"/>), whether it loads the vendor chunk,
/// and its fixed chunk count. None of it reads a module's size, so it is made once per graph.
/// </summary>
internal sealed record RouteTables(string[] Routes, int[][] RootPositions, int[][] LoadedRoots, bool[] UsesVendor, int[] FixedChunks)
{
    public static RouteTables Of(ImmutableSortedDictionary<string, string> routeRoots, ImmutableSortedDictionary<string, ImmutableArray<string>> loadedRoots,
        Dictionary<string, bool> routeUsesVendor, Dictionary<string, int[]> rootPositions)
    {
        var routes = routeRoots.Keys.ToArray();
        var number = new Dictionary<string, int>(StringComparer.Ordinal);
        var positions = new List<int[]>();
        var loaded = new int[routes.Length][];
        var usesVendor = new bool[routes.Length];
        var fixedChunks = new int[routes.Length];
        for (var r = 0; r < routes.Length; r++)
        {
            var roots = loadedRoots[routes[r]];
            loaded[r] = new int[roots.Length];
            for (var i = 0; i < roots.Length; i++)
            {
                if (!number.TryGetValue(roots[i], out var n))
                {
                    number[roots[i]] = n = positions.Count;
                    positions.Add(rootPositions[roots[i]]);
                }

                loaded[r][i] = n;
            }

            usesVendor[r] = routeUsesVendor[routes[r]];
            fixedChunks[r] = roots.Length + (usesVendor[r] ? 1 : 0); // its own chunk, the other roots it loads, vendor
        }

        return new RouteTables(routes, [.. positions], loaded, usesVendor, fixedChunks);
    }
}
