using System.Collections.Immutable;
using System.Globalization;
using Grump.Hyper.Compiler.Linking;
using Grump.Hyper.Compiler.Modules;

using Grump.Hyper.Compiler.Planning;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// The planner as it was before it moved onto int indexes (string ids, sorted sets), kept here only as
/// the reference the fast one must equal, task for task. Its original summary:
/// Turns every wanted feature of every module into a task. Tasks depend on the features their rules
/// need (in the same module, else in the nearest module it depends on) and, through module
/// <c>depends</c>, on the finishing tasks of the modules they build on. Ids are <c>module:feature</c>,
/// so they are stable across runs; ties are broken by priority then id, so the order is too.
/// </summary>
internal static class ReferencePlanner
{
    public static Plan Build(LinkResult link, bool reduce = true)
    {
        var rules = PlanningRules.Default;
        var modules = link.Modules.ToDictionary(m => m.Id, StringComparer.Ordinal);
        var tasks = new SortedDictionary<string, Draft>(StringComparer.Ordinal);
        var byModule = new Dictionary<string, List<Draft>>(StringComparer.Ordinal);
        foreach (var module in link.Modules)
        {
            var list = new List<Draft>();
            foreach (var feature in module.Features.Where(f => f.Planned))
            {
                var draft = NewTask(module, feature, rules);
                tasks[draft.Id] = draft;
                list.Add(draft);
            }

            byModule[module.Id] = list;
        }

        // Feature rules, resolved in the module or the nearest module it depends on.
        var nearest = new NearestFeature(link, tasks);
        foreach (var module in link.Modules)
        {
            foreach (var edge in module.Dependencies)
            {
                if (tasks.TryGetValue(TaskId(module.Id, edge.From), out var from) && nearest.Find(module.Id, edge.To) is { } to && to != from.Id)
                {
                    from.DependsOn.Add(to);
                }
            }
        }

        // Module depends: a module's first tasks wait for the last tasks of the modules it builds on.
        var finishing = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var module in link.Modules)
        {
            var starts = byModule[module.Id].Where(t => !t.DependsOn.Any(d => tasks[d].Module == module.Id)).ToList();
            foreach (var dep in link.Edges[module.Id])
            {
                foreach (var last in Finishing(dep, link, byModule, finishing, []))
                {
                    foreach (var start in starts)
                    {
                        start.DependsOn.Add(last);
                    }
                }
            }
        }

        var (kahn, placed) = Order(tasks);
        var batch = new Dictionary<string, int>(StringComparer.Ordinal);
        var end = new Dictionary<string, int>(StringComparer.Ordinal);
        var previous = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var id in kahn)
        {
            var draft = tasks[id];
            var level = 0;
            var start = 0;
            string? via = null;
            foreach (var dep in draft.DependsOn)
            {
                if (!batch.TryGetValue(dep, out var depLevel))
                {
                    continue; // part of a cycle (already reported by the linker)
                }

                level = Math.Max(level, depLevel + 1);

                // DependsOn is ordered by id, so on equal finish times the smallest id stays on the path.
                if (end[dep] > start)
                {
                    start = end[dep];
                    via = dep;
                }
            }

            batch[id] = level;
            end[id] = start + draft.Seconds;
            previous[id] = via;
        }

        // Batch by batch, in a batch by priority then id; tasks left in a cycle stay last.
        ImmutableArray<string> order = [.. kahn.Take(placed).OrderBy(id => batch[id]).ThenBy(id => tasks[id].Priority).ThenBy(id => id, StringComparer.Ordinal), .. kahn.Skip(placed)];
        // The plan lists the transitive reduction, found here by brute force: a wait that another wait of the same
        // task reaches is dropped. Not on a cycle (depends or tasks), where every wait stays.
        var acyclic = reduce && placed == tasks.Count && !ModulesCycle(link);
        var below = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        HashSet<string> Below(string id)
        {
            if (!below.TryGetValue(id, out var set))
            {
                set = new HashSet<string>(StringComparer.Ordinal);
                foreach (var dep in tasks[id].DependsOn)
                {
                    set.Add(dep);
                    set.UnionWith(Below(dep));
                }

                below[id] = set;
            }

            return set;
        }

        ImmutableArray<string> Listed(Draft d) => acyclic
            ? [.. d.DependsOn.Where(dep => !d.DependsOn.Any(other => other != dep && Below(other).Contains(dep)))]
            : [.. d.DependsOn];
        var built = order.Select(id => tasks[id]).Select(d => new PlanTask(
            d.Id, d.Module, d.Feature, d.Action, d.Description, d.Priority, d.Risk, d.Tools, d.Seconds,
            Listed(d), batch[d.Id])).ToImmutableArray();
        IReadOnlyList<string>[] batches = [.. built.GroupBy(t => t.Batch).OrderBy(g => g.Key).Select(g => g.Select(t => t.Id).ToArray())];
        var critical = CriticalPathOf(end, previous);
        return new Plan(built, order, batches, critical, critical.EstimatedSeconds, built.Sum(t => t.EstimatedSeconds), Risk(built, rules));
    }

    private static string TaskId(string module, string feature) => module + ":" + feature;

    private static bool ModulesCycle(LinkResult link)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        bool Visit(string id)
        {
            switch (state.GetValueOrDefault(id))
            {
                case 1: return true;
                case 2: return false;
            }

            state[id] = 1;
            if (link.Edges[id].Any(Visit))
            {
                return true;
            }

            state[id] = 2;
            return false;
        }

        return link.Modules.Any(m => Visit(m.Id));
    }

    private static Draft NewTask(CompiledModule module, FeatureInfo feature, PlanningRules rules)
    {
        var tools = new SortedSet<string>(rules.ToolsByAction.TryGetValue(feature.Action, out var byAction) ? byAction : rules.ToolsByAction["build"], StringComparer.Ordinal);
        foreach (var word in feature.Name.Split('-'))
        {
            if (rules.ToolsByWord.TryGetValue(word, out var extra))
            {
                tools.UnionWith(extra);
            }
        }

        if (feature.Action == "deploy" && module.Tech.Any(t => !t.Negated && t.Canonical == "kubernetes"))
        {
            tools.Add("k8s_deploy");
        }

        var seconds = rules.Estimate(feature.Action, feature.Name, tools.Count);
        var risk = tools.Any(rules.Risky.Contains) ? "risky" : tools.Any(rules.Moderate.Contains) ? "moderate" : "safe";
        var verb = CultureInfo.InvariantCulture.TextInfo.ToTitleCase(feature.Action);
        return new Draft
        {
            Id = TaskId(module.Id, feature.Name),
            Module = module.Id,
            Feature = feature.Name,
            Action = feature.Action,
            Description = $"{verb} {feature.Name} in {module.Id}",
            Priority = (module.Priority * 10) + feature.Priority,
            Risk = risk,
            Tools = [.. tools],
            Seconds = seconds,
        };
    }

    /// <summary>
    /// The task for a feature in a module, else in the nearest module it (transitively) depends on: fewest
    /// depends hops, ties to the smallest module id. Memoised per feature (distance and holder per module),
    /// so a project pays O(modules + edges) per feature asked for, not a search per rule.
    /// </summary>
    private sealed class NearestFeature(LinkResult link, SortedDictionary<string, Draft> tasks)
    {
        private readonly Dictionary<string, Dictionary<string, (int Distance, string? Holder)>> _memo = new(StringComparer.Ordinal);

        public string? Find(string moduleId, string feature)
        {
            if (!_memo.TryGetValue(feature, out var byModule))
            {
                _memo[feature] = byModule = new Dictionary<string, (int, string?)>(StringComparer.Ordinal);
            }

            var holder = Resolve(moduleId, feature, byModule, []).Holder;
            return holder is null ? null : TaskId(holder, feature);
        }

        private (int Distance, string? Holder) Resolve(string id, string feature, Dictionary<string, (int Distance, string? Holder)> memo, HashSet<string> visiting)
        {
            if (memo.TryGetValue(id, out var known))
            {
                return known;
            }

            if (tasks.ContainsKey(TaskId(id, feature)))
            {
                return memo[id] = (0, id);
            }

            if (!visiting.Add(id))
            {
                return (int.MaxValue, null); // a cycle: the linker reports it
            }

            (int Distance, string? Holder) best = (int.MaxValue, null);
            foreach (var dep in link.Edges[id])
            {
                var (distance, holder) = Resolve(dep, feature, memo, visiting);
                if (holder is not null && (distance + 1 < best.Distance || (distance + 1 == best.Distance && string.CompareOrdinal(holder, best.Holder) < 0)))
                {
                    best = (distance + 1, holder);
                }
            }

            visiting.Remove(id);
            return memo[id] = best;
        }
    }

    /// <summary>Tasks of a module that nothing else in it waits for; a module without tasks passes on its dependencies'.</summary>
    private static SortedSet<string> Finishing(string moduleId, LinkResult link, Dictionary<string, List<Draft>> byModule,
        Dictionary<string, SortedSet<string>> memo, HashSet<string> visiting)
    {
        if (memo.TryGetValue(moduleId, out var known))
        {
            return known;
        }

        var result = new SortedSet<string>(StringComparer.Ordinal);
        if (!visiting.Add(moduleId))
        {
            return result; // a cycle: the linker reports it
        }

        var own = byModule[moduleId];
        if (own.Count > 0)
        {
            var waitedFor = own.SelectMany(t => t.DependsOn).ToHashSet(StringComparer.Ordinal);
            result.UnionWith(own.Where(t => !waitedFor.Contains(t.Id)).Select(t => t.Id));
        }
        else
        {
            foreach (var dep in link.Edges[moduleId])
            {
                result.UnionWith(Finishing(dep, link, byModule, memo, visiting));
            }
        }

        visiting.Remove(moduleId);
        memo[moduleId] = result;
        return result;
    }

    /// <summary>Kahn's algorithm, always taking the ready task with the lowest (priority, id); tasks left in a cycle go last.</summary>
    private static (ImmutableArray<string> Order, int Placed) Order(SortedDictionary<string, Draft> tasks)
    {
        // Tasks are numbered in id order, so comparing numbers compares ids and the queue never compares strings.
        var drafts = tasks.Values.ToArray();
        var index = new Dictionary<string, int>(drafts.Length, StringComparer.Ordinal);
        for (var i = 0; i < drafts.Length; i++)
        {
            index[drafts[i].Id] = i;
        }

        var pending = new int[drafts.Length];
        var dependents = new List<int>?[drafts.Length];
        for (var i = 0; i < drafts.Length; i++)
        {
            foreach (var d in drafts[i].DependsOn)
            {
                if (index.TryGetValue(d, out var j))
                {
                    pending[i]++;
                    (dependents[j] ??= []).Add(i);
                }
            }
        }

        var ready = new PriorityQueue<int, (int Priority, int Index)>();
        for (var i = 0; i < drafts.Length; i++)
        {
            if (pending[i] == 0)
            {
                ready.Enqueue(i, (drafts[i].Priority, i));
            }
        }

        var order = ImmutableArray.CreateBuilder<string>(drafts.Length);
        var placed = new bool[drafts.Length];
        while (ready.TryDequeue(out var next, out _))
        {
            order.Add(drafts[next].Id);
            placed[next] = true;
            foreach (var d in dependents[next] ?? [])
            {
                if (--pending[d] == 0)
                {
                    ready.Enqueue(d, (drafts[d].Priority, d));
                }
            }
        }

        var count = order.Count;
        if (order.Count < drafts.Length)
        {
            order.AddRange(Enumerable.Range(0, drafts.Length).Where(i => !placed[i]).OrderBy(i => (drafts[i].Priority, i)).Select(i => drafts[i].Id));
        }

        return (order.MoveToImmutable(), count);
    }

    private static CriticalPath CriticalPathOf(Dictionary<string, int> end, Dictionary<string, string?> previous)
    {
        if (end.Count == 0)
        {
            return new CriticalPath([], 0);
        }

        var last = end.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).First().Key;
        var path = new List<string>();
        for (string? at = last; at is not null; at = previous[at])
        {
            path.Add(at);
        }

        path.Reverse();
        return new CriticalPath([.. path], end[last]);
    }

    private static RiskSummary Risk(ImmutableArray<PlanTask> tasks, PlanningRules rules)
    {
        var factors = new List<string>();
        foreach (var tool in tasks.SelectMany(t => t.Tools))
        {
            if (rules.RiskFactors.TryGetValue(tool, out var factor) && !factors.Contains(factor))
            {
                factors.Add(factor);
            }
        }

        var risky = tasks.Count(t => t.Risk == "risky");
        var moderate = tasks.Count(t => t.Risk == "moderate");
        var level = risky > 0 ? "risky" : moderate > 0 ? "moderate" : "safe";
        return new RiskSummary(level, tasks.Length - risky - moderate, moderate, risky, [.. factors], risky == 0 && moderate == 0);
    }

    private sealed class Draft
    {
        public required string Id { get; init; }
        public required string Module { get; init; }
        public required string Feature { get; init; }
        public required string Action { get; init; }
        public required string Description { get; init; }
        public required int Priority { get; init; }
        public required string Risk { get; init; }
        public required ImmutableArray<string> Tools { get; init; }
        public required int Seconds { get; init; }
        public SortedSet<string> DependsOn { get; } = new(StringComparer.Ordinal);
    }
}
