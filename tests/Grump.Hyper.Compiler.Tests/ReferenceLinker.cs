using System.Collections.Immutable;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Linking;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// The linker as it was before round 31, on string-keyed sorted dictionaries, kept as the reference the
/// int-indexed linker is held to (<see cref="LinkerEquivalenceTests"/>).
/// </summary>
internal static class ReferenceLinker
{
    public static LinkResult Link(IEnumerable<CompiledModule> compiled)
    {
        var diagnostics = new DiagnosticBag();
        var byId = new SortedDictionary<string, CompiledModule>(StringComparer.Ordinal);
        var routes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var module in compiled.OrderBy(m => m.Path, StringComparer.Ordinal))
        {
            if (byId.TryGetValue(module.Id, out var first))
            {
                diagnostics.Report(DiagnosticCatalog.DuplicateModuleId, module.Path, module.Locations.Id.Line, module.Locations.Id.Column, module.Id, first.Path);
                continue;
            }

            byId[module.Id] = module;
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

        var edges = ImmutableSortedDictionary.CreateBuilder<string, ImmutableArray<string>>(StringComparer.Ordinal);
        foreach (var module in byId.Values)
        {
            var resolved = new SortedSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < module.Depends.Length; i++)
            {
                var dep = module.Depends[i];
                if (byId.ContainsKey(dep))
                {
                    resolved.Add(dep);
                }
                else
                {
                    var at = i < module.Locations.Depends.Length ? module.Locations.Depends[i] : new SourceLocation(1, 1);
                    diagnostics.Report(DiagnosticCatalog.UnknownDependency, module.Path, at.Line, at.Column, dep);
                }
            }

            edges[module.Id] = [.. resolved];
        }

        var graph = edges.ToImmutable();
        ReportCycles(byId, graph, diagnostics);
        return new LinkResult([.. byId.Values], graph, TopologicalOrder(graph), diagnostics.ToImmutableSorted());
    }

    /// <summary>Dependencies before dependents; ties by id; members of a cycle in id order after what they need.</summary>
    public static ImmutableArray<string> TopologicalOrder(IReadOnlyDictionary<string, ImmutableArray<string>> edges)
    {
        var order = ImmutableArray.CreateBuilder<string>(edges.Count);
        var state = new Dictionary<string, byte>(StringComparer.Ordinal);
        foreach (var root in edges.Keys.Order(StringComparer.Ordinal))
        {
            Visit(root);
        }

        return order.MoveToImmutable();

        void Visit(string root)
        {
            // Iterative, so a long dependency chain cannot overflow the stack.
            var stack = new Stack<(string Id, int Next)>();
            if (state.ContainsKey(root))
            {
                return;
            }

            state[root] = 1;
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (id, next) = stack.Pop();
                var deps = edges[id];
                if (next < deps.Length)
                {
                    stack.Push((id, next + 1));
                    var dep = deps[next];
                    if (!state.ContainsKey(dep))
                    {
                        state[dep] = 1;
                        stack.Push((dep, 0));
                    }

                    continue;
                }

                state[id] = 2;
                order.Add(id);
            }
        }
    }

    private static void ReportCycles(SortedDictionary<string, CompiledModule> byId, ImmutableSortedDictionary<string, ImmutableArray<string>> edges, DiagnosticBag diagnostics)
    {
        foreach (var component in StronglyConnected(edges))
        {
            var start = component.Min(StringComparer.Ordinal)!;
            if (component.Count == 1 && !edges[start].Contains(start))
            {
                continue;
            }

            var path = ShortestCycle(start, component, edges);
            var module = byId[start];
            var index = module.Depends.IndexOf(path[1]);
            var at = index >= 0 && index < module.Locations.Depends.Length ? module.Locations.Depends[index] : new SourceLocation(1, 1);
            diagnostics.Report(DiagnosticCatalog.DependencyCycle, module.Path, at.Line, at.Column, string.Join(" -> ", path));
        }
    }

    /// <summary>Breadth-first from <paramref name="start"/> back to itself inside its component, neighbours in id order.</summary>
    private static List<string> ShortestCycle(string start, HashSet<string> component, ImmutableSortedDictionary<string, ImmutableArray<string>> edges)
    {
        var parent = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var id = queue.Dequeue();
            foreach (var dep in edges[id])
            {
                if (dep == start)
                {
                    var path = new List<string> { start };
                    for (var at = id; at != start; at = parent[at])
                    {
                        path.Add(at);
                    }

                    path.Add(start);
                    path.Reverse(1, path.Count - 2);
                    return path;
                }

                if (component.Contains(dep) && dep != start && parent.TryAdd(dep, id))
                {
                    queue.Enqueue(dep);
                }
            }
        }

        return [start, start];
    }

    /// <summary>Tarjan's algorithm, iterative.</summary>
    private static List<HashSet<string>> StronglyConnected(ImmutableSortedDictionary<string, ImmutableArray<string>> edges)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var result = new List<HashSet<string>>();
        var counter = 0;
        foreach (var root in edges.Keys)
        {
            if (index.ContainsKey(root))
            {
                continue;
            }

            var work = new Stack<(string Id, int Next)>();
            work.Push((root, 0));
            index[root] = low[root] = counter++;
            stack.Push(root);
            onStack.Add(root);
            while (work.Count > 0)
            {
                var (id, next) = work.Pop();
                var deps = edges[id];
                if (next < deps.Length)
                {
                    work.Push((id, next + 1));
                    var dep = deps[next];
                    if (!index.TryGetValue(dep, out var depIndex))
                    {
                        index[dep] = low[dep] = counter++;
                        stack.Push(dep);
                        onStack.Add(dep);
                        work.Push((dep, 0));
                    }
                    else if (onStack.Contains(dep))
                    {
                        low[id] = Math.Min(low[id], depIndex);
                    }

                    continue;
                }

                if (work.Count > 0)
                {
                    var parent = work.Peek().Id;
                    low[parent] = Math.Min(low[parent], low[id]);
                }

                if (low[id] == index[id])
                {
                    var component = new HashSet<string>(StringComparer.Ordinal);
                    string member;
                    do
                    {
                        member = stack.Pop();
                        onStack.Remove(member);
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
