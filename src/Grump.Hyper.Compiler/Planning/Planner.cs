using System.Collections.Immutable;
using System.Globalization;
using Grump.Hyper.Compiler.Linking;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Planning;

/// <summary>
/// Turns every wanted feature of every module into a task. Tasks depend on the features their rules
/// need (in the same module, else in the nearest module it depends on) and, through module
/// <c>depends</c>, on the finishing tasks of the modules they build on. Ids are <c>module:feature</c>,
/// so they are stable across runs; ties are broken by priority then id, so the order is too.
/// </summary>
public static class Planner
{
    // Everything below works on int indexes: modules by their position in the link, tasks by their rank
    // in ordinal id order (so a sorted list of ranks is a sorted list of ids), which is what the string
    // sets and dictionaries of the first planner computed, at a fraction of the allocations. The output
    // is the same plan, task for task (a test compares the two on random projects, cycles included).
    public static Plan Build(LinkResult link)
    {
        var rules = PlanningRules.Default;
        var modules = link.Modules;
        var n = modules.Length;
        var moduleIndex = new Dictionary<string, int>(n, StringComparer.Ordinal);
        for (var m = 0; m < n; m++)
        {
            moduleIndex[modules[m].Id] = m;
        }

        var moduleRank = Ranks(modules.Select(m => m.Id).ToArray());
        var edges = new int[n][];
        for (var m = 0; m < n; m++)
        {
            edges[m] = [.. link.Edges[modules[m].Id].Select(d => moduleIndex[d])];
        }

        // Tasks, numbered by ordinal id. Extraction lists each feature of a module once; were one listed
        // twice, its last task would stand, as it did in the first planner.
        var unsorted = new Dictionary<string, Draft>(StringComparer.Ordinal);
        foreach (var module in modules)
        {
            foreach (var feature in module.Features.Where(f => !f.Negated))
            {
                var draft = NewTask(module, feature, rules);
                unsorted[draft.Id] = draft;
            }
        }

        var drafts = unsorted.Values.ToArray();
        Array.Sort(drafts, (a, b) => string.CompareOrdinal(a.Id, b.Id));
        var t = drafts.Length;
        var taskModule = new int[t];
        var byModule = new List<int>[n];
        var featureTask = new Dictionary<string, int>[n];
        for (var m = 0; m < n; m++)
        {
            byModule[m] = [];
            featureTask[m] = new Dictionary<string, int>(StringComparer.Ordinal);
        }

        for (var r = 0; r < t; r++)
        {
            var m = moduleIndex[drafts[r].Module];
            taskModule[r] = m;
            featureTask[m][drafts[r].Feature] = r;
        }

        // Each module's own tasks in the order the module lists its features (the order its starts are found in).
        foreach (var module in modules)
        {
            var m = moduleIndex[module.Id];
            foreach (var feature in module.Features.Where(f => !f.Negated))
            {
                byModule[m].Add(featureTask[m][feature.Name]);
            }
        }

        var deps = new List<int>[t];
        for (var r = 0; r < t; r++)
        {
            deps[r] = [];
        }

        // Feature rules, resolved in the module or the nearest module it depends on.
        var nearest = new NearestFeature(edges, moduleRank, featureTask);
        for (var m = 0; m < n; m++)
        {
            foreach (var edge in modules[m].Dependencies)
            {
                if (featureTask[m].TryGetValue(edge.From, out var from) && nearest.Find(m, edge.To) is { } to && to != from)
                {
                    deps[from].Add(to);
                }
            }
        }

        // Module depends: a module's first tasks wait for the last tasks of the modules it builds on.
        var finishing = new Finishing(edges, byModule, deps, t);
        for (var m = 0; m < n; m++)
        {
            var starts = byModule[m].Where(r => !deps[r].Exists(d => taskModule[d] == m)).ToList();
            foreach (var dep in edges[m])
            {
                foreach (var last in finishing.Of(dep))
                {
                    foreach (var start in starts)
                    {
                        deps[start].Add(last);
                    }
                }
            }
        }

        var dependsOn = new int[t][];
        for (var r = 0; r < t; r++)
        {
            var list = deps[r];
            list.Sort();
            dependsOn[r] = [.. list.Distinct()];
        }

        var order = Order(drafts, dependsOn);
        var batch = new int[t];
        Array.Fill(batch, -1);
        var end = new int[t];
        var previous = new int[t];
        foreach (var r in order)
        {
            var level = 0;
            var start = 0;
            var via = -1;
            foreach (var dep in dependsOn[r])
            {
                if (batch[dep] < 0)
                {
                    continue; // part of a cycle (already reported by the linker)
                }

                level = Math.Max(level, batch[dep] + 1);

                // DependsOn is ordered by id, so on equal finish times the smallest id stays on the path.
                if (end[dep] > start)
                {
                    start = end[dep];
                    via = dep;
                }
            }

            batch[r] = level;
            end[r] = start + drafts[r].Seconds;
            previous[r] = via;
        }

        var built = order.Select(r => drafts[r]).Select((d, i) => new PlanTask(
            d.Id, d.Module, d.Feature, d.Action, d.Description, d.Priority, d.Risk, d.Tools, d.Seconds,
            [.. dependsOn[order[i]].Select(x => drafts[x].Id)], batch[order[i]])).ToImmutableArray();
        var batches = built.GroupBy(task => task.Batch).OrderBy(g => g.Key).Select(g => g.Select(task => task.Id).ToImmutableArray()).ToImmutableArray();
        var critical = CriticalPathOf(drafts, end, previous);
        return new Plan(built, [.. order.Select(r => drafts[r].Id)], batches, critical, critical.EstimatedSeconds, built.Sum(task => task.EstimatedSeconds), Risk(built, rules));
    }

    /// <summary>The rank of each id in ordinal order.</summary>
    private static int[] Ranks(string[] ids)
    {
        var byId = Enumerable.Range(0, ids.Length).ToArray();
        Array.Sort(byId, (a, b) => string.CompareOrdinal(ids[a], ids[b]));
        var rank = new int[ids.Length];
        for (var i = 0; i < byId.Length; i++)
        {
            rank[byId[i]] = i;
        }

        return rank;
    }

    public static string TaskId(string module, string feature) => module + ":" + feature;

    private static Draft NewTask(CompiledModule module, FeatureInfo feature, PlanningRules rules)
    {
        var tools = new SortedSet<string>(rules.ToolsByAction.TryGetValue(feature.Action, out var byAction) ? byAction : rules.ToolsByAction["build"], StringComparer.Ordinal);
        var words = feature.Name.Split('-');
        var seconds = rules.BaseSeconds;
        foreach (var word in words)
        {
            if (rules.ToolsByWord.TryGetValue(word, out var extra))
            {
                tools.UnionWith(extra);
            }

            seconds += rules.SecondsByWord.GetValueOrDefault(word);
        }

        if (feature.Action == "deploy" && module.Tech.Any(t => !t.Negated && t.Canonical == "kubernetes"))
        {
            tools.Add("k8s_deploy");
        }

        seconds += rules.SecondsPerTool * tools.Count;
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
    private sealed class NearestFeature(int[][] edges, int[] moduleRank, Dictionary<string, int>[] featureTask)
    {
        private readonly Dictionary<string, (int[] Distance, int[] Holder)> _memo = new(StringComparer.Ordinal);
        private readonly bool[] _visiting = new bool[edges.Length];

        public int? Find(int module, string feature)
        {
            if (!_memo.TryGetValue(feature, out var memo))
            {
                memo = (new int[edges.Length], new int[edges.Length]);
                Array.Fill(memo.Distance, -1); // not resolved yet
                _memo[feature] = memo;
            }

            var holder = Resolve(module, feature, memo).Holder;
            return holder < 0 ? null : featureTask[holder][feature];
        }

        private (int Distance, int Holder) Resolve(int m, string feature, (int[] Distance, int[] Holder) memo)
        {
            if (memo.Distance[m] >= 0)
            {
                return (memo.Distance[m], memo.Holder[m]);
            }

            if (featureTask[m].ContainsKey(feature))
            {
                return Remember(m, (0, m), memo);
            }

            if (_visiting[m])
            {
                return (int.MaxValue, -1); // a cycle: the linker reports it
            }

            _visiting[m] = true;
            (int Distance, int Holder) best = (int.MaxValue, -1);
            foreach (var dep in edges[m])
            {
                var (distance, holder) = Resolve(dep, feature, memo);
                if (holder >= 0 && (distance + 1 < best.Distance || (distance + 1 == best.Distance && (best.Holder < 0 || moduleRank[holder] < moduleRank[best.Holder]))))
                {
                    best = (distance + 1, holder);
                }
            }

            _visiting[m] = false;
            return Remember(m, best, memo);
        }

        private static (int Distance, int Holder) Remember(int m, (int Distance, int Holder) found, (int[] Distance, int[] Holder) memo)
        {
            memo.Distance[m] = found.Distance;
            memo.Holder[m] = found.Holder;
            return found;
        }
    }

    /// <summary>Tasks of a module that nothing else in it waits for; a module without tasks passes on its dependencies'.</summary>
    private sealed class Finishing(int[][] edges, List<int>[] byModule, List<int>[] deps, int tasks)
    {
        private readonly int[]?[] _memo = new int[]?[edges.Length];
        private readonly bool[] _visiting = new bool[edges.Length];
        private readonly bool[] _mark = new bool[tasks];

        /// <summary>Sorted task ranks.</summary>
        public int[] Of(int m)
        {
            if (_memo[m] is { } known)
            {
                return known;
            }

            if (_visiting[m])
            {
                return []; // a cycle: the linker reports it
            }

            _visiting[m] = true;
            int[] result;
            var own = byModule[m];
            if (own.Count > 0)
            {
                // Waited for as the dependencies stand now, as the first planner read them.
                foreach (var r in own)
                {
                    foreach (var d in deps[r])
                    {
                        _mark[d] = true;
                    }
                }

                result = [.. own.Where(r => !_mark[r]).Order()];
                foreach (var r in own)
                {
                    foreach (var d in deps[r])
                    {
                        _mark[d] = false;
                    }
                }
            }
            else
            {
                var union = new SortedSet<int>();
                foreach (var dep in edges[m])
                {
                    union.UnionWith(Of(dep));
                }

                result = [.. union];
            }

            _visiting[m] = false;
            _memo[m] = result;
            return result;
        }
    }

    /// <summary>Kahn's algorithm, always taking the ready task with the lowest (priority, id); tasks left in a cycle go last.</summary>
    private static int[] Order(Draft[] drafts, int[][] dependsOn)
    {
        var pending = new int[drafts.Length];
        var dependents = new List<int>?[drafts.Length];
        for (var i = 0; i < drafts.Length; i++)
        {
            foreach (var d in dependsOn[i])
            {
                pending[i]++;
                (dependents[d] ??= []).Add(i);
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

        var order = new List<int>(drafts.Length);
        var placed = new bool[drafts.Length];
        while (ready.TryDequeue(out var next, out _))
        {
            order.Add(next);
            placed[next] = true;
            foreach (var d in dependents[next] ?? [])
            {
                if (--pending[d] == 0)
                {
                    ready.Enqueue(d, (drafts[d].Priority, d));
                }
            }
        }

        if (order.Count < drafts.Length)
        {
            order.AddRange(Enumerable.Range(0, drafts.Length).Where(i => !placed[i]).OrderBy(i => (drafts[i].Priority, i)));
        }

        return [.. order];
    }

    private static CriticalPath CriticalPathOf(Draft[] drafts, int[] end, int[] previous)
    {
        if (end.Length == 0)
        {
            return new CriticalPath([], 0);
        }

        // The latest finish; on a tie the smallest id (ranks are in id order).
        var last = 0;
        for (var r = 1; r < end.Length; r++)
        {
            if (end[r] > end[last])
            {
                last = r;
            }
        }

        var path = new List<string>();
        for (var at = last; at >= 0; at = previous[at])
        {
            path.Add(drafts[at].Id);
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
    }
}
