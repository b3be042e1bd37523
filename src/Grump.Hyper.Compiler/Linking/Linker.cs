using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Linking;

/// <summary>The module graph of a project: modules by id, their resolved edges and a dependency-first order.</summary>
public sealed record LinkResult(
    ImmutableArray<CompiledModule> Modules,
    ImmutableSortedDictionary<string, ImmutableArray<string>> Edges,
    ImmutableArray<string> Order,
    ImmutableArray<Diagnostic> Diagnostics)
{
    private (object Edges, ImmutableArray<string>[] ByPosition)? _byPosition;

    /// <summary>
    /// Each module's resolved depends by the module's position: the modules are in id order and so are the edges'
    /// keys, so one walk of the edges lines them up (a lookup by id per module was a tree search each). Made once
    /// per edges object, which a reused link hands on.
    /// </summary>
    internal ImmutableArray<string>[] EdgesByPosition
    {
        get
        {
            if (_byPosition is not { } known || !ReferenceEquals(known.Edges, Edges))
            {
                known = (Edges, [.. Edges.Values]);
                _byPosition = known;
            }

            return known.ByPosition;
        }
    }

    private (object Edges, int[][] Indexes)? _indexes;

    /// <summary>
    /// Each module's resolved depends as positions in <see cref="Modules"/>, ascending (positions are in id order):
    /// what the planner and the split walk, so no edge they follow is a lookup by id. The linker hands over the
    /// arrays it linked with; otherwise made once per edges object, like <see cref="EdgesByPosition"/>.
    /// </summary>
    internal int[][] EdgeIndexes
    {
        get
        {
            if (_indexes is not { } known || !ReferenceEquals(known.Edges, Edges))
            {
                var at = new Dictionary<string, int>(Modules.Length, StringComparer.Ordinal);
                for (var i = 0; i < Modules.Length; i++)
                {
                    at[Modules[i].Id] = i;
                }

                known = (Edges, [.. EdgesByPosition.Select(deps => deps.Select(d => at[d]).ToArray())]);
                _indexes = known;
            }

            return known.Indexes;
        }

        init => _indexes = (Edges, value);
    }
}

/// <summary>
/// Resolves <c>depends</c> between modules and checks the project as a whole: duplicate ids and routes,
/// unknown dependencies, and cycles (each reported once, naming the whole cycle).
/// </summary>
/// <remarks>
/// The graph work runs on int indexes: a module's index is its place in id order, so sorted ints are ids in
/// ordinal order and every walk visits modules and edges in the order the string-keyed linker did (a property test
/// holds the two equal). On sorted dictionaries keyed by id, every edge followed was a tree search of string
/// comparisons: 50-60 ms per link at 10,000 modules, paid by every cold build and every header edit.
/// </remarks>
public static class Linker
{
    public static LinkResult Link(IEnumerable<CompiledModule> compiled)
    {
        var diagnostics = new DiagnosticBag();
        var inPathOrder = compiled.ToArray();
        if (!IsSorted(inPathOrder, static m => m.Path))
        {
            inPathOrder = [.. inPathOrder.OrderBy(m => m.Path, StringComparer.Ordinal)]; // stable: of equal paths the first stays first
        }

        // The first module of each id in path order is the one linked; the others are reported.
        var index = new Dictionary<string, int>(inPathOrder.Length, StringComparer.Ordinal);
        var kept = new List<CompiledModule>(inPathOrder.Length);
        var routes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var module in inPathOrder)
        {
            if (index.TryGetValue(module.Id, out var first))
            {
                diagnostics.Report(DiagnosticCatalog.DuplicateModuleId, module.Path, module.Locations.Id.Line, module.Locations.Id.Column, module.Id, kept[first].Path);
                continue;
            }

            index[module.Id] = kept.Count;
            kept.Add(module);
            if (module.Route is { } route)
            {
                if (routes.TryGetValue(route, out var owner))
                {
                    diagnostics.Report(DiagnosticCatalog.DuplicateRoute, module.Path, module.Locations.Route.Line, module.Locations.Route.Column, route, owner);
                }
                else
                {
                    routes[route] = module.Id;
                }
            }
        }

        // From here a module is its place in id order.
        var modules = kept.ToArray();
        var ids = new string[modules.Length];
        for (var m = 0; m < modules.Length; m++)
        {
            ids[m] = modules[m].Id;
        }

        if (!IsSorted(ids, static id => id))
        {
            Array.Sort(ids, modules, StringComparer.Ordinal); // ids are distinct here, and depends are found in them by binary search
        }

        var edges = new int[modules.Length][];
        var resolved = new List<int>();
        var graph = ImmutableSortedDictionary.CreateBuilder<string, ImmutableArray<string>>(StringComparer.Ordinal);
        for (var m = 0; m < modules.Length; m++)
        {
            Resolve(modules[m], ids, resolved, diagnostics);
            edges[m] = [.. resolved];
            graph[ids[m]] = [.. resolved.Select(d => ids[d])];
        }

        ReportCycles(modules, ids, edges, diagnostics);
        return new LinkResult(ImmutableCollectionsMarshal.AsImmutableArray(modules), graph.ToImmutable(), TopologicalOrder(ids, edges), diagnostics.ToImmutableSorted()) { EdgeIndexes = edges };
    }

    /// <summary>
    /// The link of <paramref name="previous"/>'s modules after some of them changed their depends only (ids, paths,
    /// routes and flags as they were, at the same link positions): their edges and unknown-dependency diagnostics
    /// are resolved again, every other module's are kept, and the order is walked again on the int edges. Null when
    /// the previous link reported a cycle or the new edges make one: the whole link then finds and reports it.
    /// Tested equal to a whole link of the same modules (<c>LinkerEquivalenceTests</c>).
    /// </summary>
    /// <param name="modules">This build's modules at the previous link's positions.</param>
    /// <param name="changed">The positions whose module's depends (or where they were written) changed.</param>
    internal static LinkResult? Relink(LinkResult previous, ImmutableArray<CompiledModule> modules, IReadOnlyList<int> changed)
    {
        if (previous.Diagnostics.Any(d => d.Descriptor == DiagnosticCatalog.DependencyCycle))
        {
            return null;
        }

        var n = modules.Length;
        var ids = new string[n];
        for (var m = 0; m < n; m++)
        {
            ids[m] = modules[m].Id;
        }

        var edges = (int[][])previous.EdgeIndexes.Clone();
        var graph = previous.Edges.ToBuilder();
        var stale = new List<Diagnostic>();
        var fresh = new DiagnosticBag();
        var resolved = new List<int>();
        foreach (var m in changed)
        {
            // What the whole link reported of the module as it was goes; what it reports of the module now comes.
            var was = new DiagnosticBag();
            Resolve(previous.Modules[m], ids, resolved, was);
            stale.AddRange(was.ToImmutableSorted());
            Resolve(modules[m], ids, resolved, fresh);
            edges[m] = [.. resolved];
            graph[ids[m]] = [.. resolved.Select(d => ids[d])];
        }

        // The previous graph had no cycle, so a cycle now runs through a changed module.
        var seen = new int[n];
        for (var c = 0; c < changed.Count; c++)
        {
            if (Reaches(edges, changed[c], changed[c], seen, c + 1))
            {
                return null;
            }
        }

        var kept = previous.Diagnostics.ToList();
        foreach (var diagnostic in stale)
        {
            kept.Remove(diagnostic); // one occurrence each (value equality)
        }

        fresh.AddRange(kept);
        return new LinkResult(modules, graph.ToImmutable(), TopologicalOrder(ids, edges), fresh.ToImmutableSorted()) { EdgeIndexes = edges };
    }

    /// <summary>Module's depends as ascending distinct positions into <paramref name="resolved"/>; the unknown ones reported.</summary>
    private static void Resolve(CompiledModule module, string[] ids, List<int> resolved, DiagnosticBag diagnostics)
    {
        resolved.Clear();
        for (var i = 0; i < module.Depends.Length; i++)
        {
            var dep = module.Depends[i];
            var d = Array.BinarySearch(ids, dep, StringComparer.Ordinal);
            if (d >= 0)
            {
                resolved.Add(d);
            }
            else
            {
                var at = i < module.Locations.Depends.Length ? module.Locations.Depends[i] : new SourceLocation(1, 1);
                diagnostics.Report(DiagnosticCatalog.UnknownDependency, module.Path, at.Line, at.Column, dep);
            }
        }

        resolved.Sort();
        var k = 0;
        for (var i = 0; i < resolved.Count; i++)
        {
            if (i == 0 || resolved[i] != resolved[i - 1])
            {
                resolved[k++] = resolved[i];
            }
        }

        resolved.RemoveRange(k, resolved.Count - k);
    }

    /// <summary>Whether <paramref name="target"/> is reached from <paramref name="from"/>'s depends (<paramref name="seen"/> stamped with <paramref name="stamp"/>).</summary>
    private static bool Reaches(int[][] edges, int from, int target, int[] seen, int stamp)
    {
        var stack = new Stack<int>(edges[from]);
        while (stack.TryPop(out var m))
        {
            if (m == target)
            {
                return true;
            }

            if (seen[m] != stamp)
            {
                seen[m] = stamp;
                foreach (var dep in edges[m])
                {
                    stack.Push(dep);
                }
            }
        }

        return false;
    }

    /// <summary>Dependencies before dependents; ties by id; members of a cycle in id order after what they need.</summary>
    public static ImmutableArray<string> TopologicalOrder(IReadOnlyDictionary<string, ImmutableArray<string>> edges)
    {
        var ids = edges.Keys.Order(StringComparer.Ordinal).ToArray();
        var index = new Dictionary<string, int>(ids.Length, StringComparer.Ordinal);
        for (var m = 0; m < ids.Length; m++)
        {
            index[ids[m]] = m;
        }

        // A dependency that is not a key has no edges to follow (KeyNotFoundException, as a lookup of it would).
        return TopologicalOrder(ids, [.. ids.Select(id => edges[id].Select(dep => index[dep]).ToArray())]);
    }

    /// <summary>The same on indexes: <paramref name="edges"/>[m] are m's dependencies in id order.</summary>
    private static ImmutableArray<string> TopologicalOrder(string[] ids, int[][] edges)
    {
        var order = ImmutableArray.CreateBuilder<string>(ids.Length);
        var seen = new bool[ids.Length];
        var stack = new Stack<(int Module, int Next)>(); // iterative, so a long dependency chain cannot overflow the stack
        for (var root = 0; root < ids.Length; root++)
        {
            if (seen[root])
            {
                continue;
            }

            seen[root] = true;
            stack.Push((root, 0));
            while (stack.TryPop(out var top))
            {
                var deps = edges[top.Module];
                if (top.Next < deps.Length)
                {
                    stack.Push((top.Module, top.Next + 1));
                    var dep = deps[top.Next];
                    if (!seen[dep])
                    {
                        seen[dep] = true;
                        stack.Push((dep, 0));
                    }

                    continue;
                }

                order.Add(ids[top.Module]);
            }
        }

        return order.MoveToImmutable();
    }

    private static bool IsSorted<T>(T[] items, Func<T, string> key)
    {
        for (var i = 1; i < items.Length; i++)
        {
            if (string.CompareOrdinal(key(items[i - 1]), key(items[i])) > 0)
            {
                return false;
            }
        }

        return true;
    }

    private static void ReportCycles(CompiledModule[] modules, string[] ids, int[][] edges, DiagnosticBag diagnostics)
    {
        var inComponent = new bool[modules.Length];
        foreach (var component in StronglyConnected(edges))
        {
            var start = component.Min();
            if (component.Count == 1 && Array.BinarySearch(edges[start], start) < 0)
            {
                continue;
            }

            foreach (var member in component)
            {
                inComponent[member] = true;
            }

            var path = ShortestCycle(start, inComponent, edges);
            foreach (var member in component)
            {
                inComponent[member] = false;
            }

            var module = modules[start];
            var at = module.Depends.IndexOf(ids[path[1]]) is var i and >= 0 && i < module.Locations.Depends.Length ? module.Locations.Depends[i] : new SourceLocation(1, 1);
            diagnostics.Report(DiagnosticCatalog.DependencyCycle, module.Path, at.Line, at.Column, string.Join(" -> ", path.Select(m => ids[m])));
        }
    }

    /// <summary>Breadth-first from <paramref name="start"/> back to itself inside its component, neighbours in id order.</summary>
    private static List<int> ShortestCycle(int start, bool[] inComponent, int[][] edges)
    {
        var parent = new Dictionary<int, int>();
        var queue = new Queue<int>();
        queue.Enqueue(start);
        while (queue.TryDequeue(out var id))
        {
            foreach (var dep in edges[id])
            {
                if (dep == start)
                {
                    var path = new List<int> { start };
                    for (var at = id; at != start; at = parent[at])
                    {
                        path.Add(at);
                    }

                    path.Add(start);
                    path.Reverse(1, path.Count - 2);
                    return path;
                }

                if (inComponent[dep] && parent.TryAdd(dep, id))
                {
                    queue.Enqueue(dep);
                }
            }
        }

        return [start, start];
    }

    /// <summary>Tarjan's algorithm, iterative; the components in the order it closes them.</summary>
    private static List<List<int>> StronglyConnected(int[][] edges)
    {
        var n = edges.Length;
        var index = new int[n];
        Array.Fill(index, -1);
        var low = new int[n];
        var onStack = new bool[n];
        var stack = new Stack<int>();
        var work = new Stack<(int Module, int Next)>();
        var result = new List<List<int>>();
        var counter = 0;
        for (var root = 0; root < n; root++)
        {
            if (index[root] >= 0)
            {
                continue;
            }

            work.Push((root, 0));
            index[root] = low[root] = counter++;
            stack.Push(root);
            onStack[root] = true;
            while (work.TryPop(out var top))
            {
                var (id, next) = top;
                var deps = edges[id];
                if (next < deps.Length)
                {
                    work.Push((id, next + 1));
                    var dep = deps[next];
                    if (index[dep] < 0)
                    {
                        index[dep] = low[dep] = counter++;
                        stack.Push(dep);
                        onStack[dep] = true;
                        work.Push((dep, 0));
                    }
                    else if (onStack[dep])
                    {
                        low[id] = Math.Min(low[id], index[dep]);
                    }

                    continue;
                }

                if (work.TryPeek(out var parent))
                {
                    low[parent.Module] = Math.Min(low[parent.Module], low[id]);
                }

                if (low[id] == index[id])
                {
                    var component = new List<int>();
                    int member;
                    do
                    {
                        member = stack.Pop();
                        onStack[member] = false;
                        component.Add(member);
                    }
                    while (member != id);
                    result.Add(component);
                }
            }
        }

        return result;
    }
}
