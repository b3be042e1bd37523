using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
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
    public static Plan Build(LinkResult link, PlanMemo? memo = null)
    {
        var rules = PlanningRules.Default;
        var modules = link.Modules;
        var n = modules.Length;
        // The module graph as int arrays: the previous build's when the link handed back the same edges.
        var (moduleRank, edges, moduleReach) = memo?.GraphOf(link, ModuleGraph) ?? ModuleGraph(link);

        // Tasks, numbered by ordinal id. Each module's drafts (a feature listed twice drafts one task, as
        // the first planner's last-wins map did) come from the memo when the module is the same object.
        var plans = new ModuleTasks[n];
        var total = 0;
        for (var m = 0; m < n; m++)
        {
            plans[m] = memo?.TasksOf(modules[m], x => ModuleTasks.Of(x, rules)) ?? ModuleTasks.Of(modules[m], rules);
            total += plans[m].Drafts.Length;
        }

        var drafts = new Draft[total];
        var draftModule = new int[total];
        var at = 0;
        for (var m = 0; m < n; m++)
        {
            plans[m].Drafts.CopyTo(drafts, at);
            draftModule.AsSpan(at, plans[m].Drafts.Length).Fill(m);
            at += plans[m].Drafts.Length;
        }

        drafts = memo?.Sorted(drafts) ?? SortById(drafts, draftModule, n);
        var t = drafts.Length;
        for (var r = 0; r < t; r++)
        {
            drafts[r].Rank = r;
        }

        var taskModule = new int[t];
        var byModule = new List<int>[n];
        for (var m = 0; m < n; m++)
        {
            foreach (var draft in plans[m].Drafts)
            {
                taskModule[draft.Rank] = m;
            }

            // Each module's own tasks in the order the module lists its features (the order its starts are found in).
            var listed = plans[m].FeatureOrder;
            var own = new List<int>(listed.Length);
            foreach (var local in listed)
            {
                own.Add(plans[m].Drafts[local].Rank);
            }

            byModule[m] = own;
        }

        var deps = new List<int>[t];
        for (var r = 0; r < t; r++)
        {
            deps[r] = [];
        }

        // Feature rules, resolved in the module or the nearest module it depends on.
        var nearest = new NearestFeature(edges, moduleRank, plans);
        for (var m = 0; m < n; m++)
        {
            foreach (var edge in modules[m].Dependencies)
            {
                if (plans[m].TaskOf(edge.From) is { } from && nearest.Find(m, edge.To) is { } to && to != from)
                {
                    deps[from].Add(to);
                }
            }
        }

        // Module depends: a module's first tasks wait for the last tasks of the modules it builds on.
        var finishing = new Finishing(edges, byModule, deps, t);
        var starts = new List<int>();
        for (var m = 0; m < n; m++)
        {
            // The module's tasks that wait for nothing of its own.
            starts.Clear();
            foreach (var r in byModule[m])
            {
                if (!WaitsInModule(deps[r], taskModule, m))
                {
                    starts.Add(r);
                }
            }

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
            dependsOn[r] = SortedDistinct(deps[r]);
        }

        var (kahn, placed) = Order(drafts, dependsOn);

        // Levels and finish times read every wait; the plan lists the reduction (the same levels and path).
        var waitsListed = moduleReach is not null && placed == t ? Reduce(modules, edges, moduleReach, byModule, taskModule, finishing, dependsOn) : dependsOn;
        var batch = new int[t];
        Array.Fill(batch, -1);
        var end = new int[t];
        var previous = new int[t];
        foreach (var r in kahn)
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

        // The order people read and the incremental planner can repair: batch by batch, in a batch by priority
        // then id (a topological order, as every dependency sits in an earlier batch); tasks left in a cycle last.
        var order = kahn;
        var keys = new ExecutionKey[placed];
        for (var k = 0; k < placed; k++)
        {
            keys[k] = new ExecutionKey(batch[order[k]], drafts[order[k]].Priority, order[k]);
        }

        Array.Sort(keys, order, 0, placed);

        // A draft kept from the build before keeps its task too when its edges and batch came out the same,
        // so an unchanged task is the same object (and its plan.json line is reused without comparing).
        var built = ImmutableArray.CreateBuilder<PlanTask>(t);
        foreach (var r in order)
        {
            var d = drafts[r];
            var needs = waitsListed[r];
            if (d.Built is not { } task || task.Batch != batch[r] || !SameIds(task.DependsOn, needs, drafts))
            {
                var ids = new string[needs.Length];
                for (var i = 0; i < needs.Length; i++)
                {
                    ids[i] = drafts[needs[i]].Id;
                }

                task = new PlanTask(d.Id, d.Module, d.Feature, d.Action, d.Description, d.Priority, d.Risk, d.Tools, d.Seconds, ImmutableCollectionsMarshal.AsImmutableArray(ids), batch[r]);
                d.Built = task;
            }

            built.Add(task);
        }

        var byId = new PlanTask[t];
        for (var r = 0; r < t; r++)
        {
            byId[r] = drafts[r].Built!;
        }

        var tasks = built.MoveToImmutable();
        var batches = Batches(tasks);
        var critical = CriticalPathOf(drafts, end, previous);
        return new Plan(tasks, order.Select(r => drafts[r].Id).ToArray(), batches, critical, critical.EstimatedSeconds, drafts.Sum(d => d.Seconds), Risk(tasks, rules)) { TasksById = byId };
    }

    /// <summary>Whether a task waits for another task of module <paramref name="m"/>.</summary>
    private static bool WaitsInModule(List<int> waits, int[] taskModule, int m)
    {
        foreach (var d in waits)
        {
            if (taskModule[d] == m)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The ranks sorted, each once.</summary>
    private static int[] SortedDistinct(List<int> ranks)
    {
        ranks.Sort();
        var kept = 0;
        for (var i = 0; i < ranks.Count; i++)
        {
            if (i == 0 || ranks[i] != ranks[kept - 1])
            {
                ranks[kept++] = ranks[i];
            }
        }

        return [.. System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ranks)[..kept]];
    }

    /// <summary>
    /// The tasks' ids by batch, batches in ascending order (tasks left in a cycle, batch -1, first), each in the order
    /// of the tasks: what grouping by batch and ordering the groups gave.
    /// </summary>
    private static IReadOnlyList<string>[] Batches(ImmutableArray<PlanTask> tasks)
    {
        var highest = -1;
        foreach (var task in tasks)
        {
            highest = Math.Max(highest, task.Batch);
        }

        var sizes = new int[highest + 2]; // by batch + 1
        foreach (var task in tasks)
        {
            sizes[task.Batch + 1]++;
        }

        var lists = new string[sizes.Length][];
        var filled = new int[sizes.Length];
        for (var b = 0; b < sizes.Length; b++)
        {
            lists[b] = new string[sizes[b]];
        }

        foreach (var task in tasks)
        {
            lists[task.Batch + 1][filled[task.Batch + 1]++] = task.Id;
        }

        return [.. lists.Where(list => list.Length > 0)];
    }

    /// <summary>
    /// The execution order's key (batch, then priority, then id as its rank in id order), compared as ints; both planners
    /// sort by it (the incremental one for a large splice, the same order as comparing ids).
    /// </summary>
    internal readonly record struct ExecutionKey(int Batch, int Priority, int IdRank) : IComparable<ExecutionKey>
    {
        public int CompareTo(ExecutionKey other) =>
            Batch != other.Batch ? Batch.CompareTo(other.Batch) : Priority != other.Priority ? Priority.CompareTo(other.Priority) : IdRank.CompareTo(other.IdRank);
    }

    private static bool SameIds(ImmutableArray<string> ids, int[] ranks, Draft[] drafts)
    {
        if (ids.Length != ranks.Length)
        {
            return false;
        }

        for (var i = 0; i < ranks.Length; i++)
        {
            if (!string.Equals(ids[i], drafts[ranks[i]].Id, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Drafts in id order, found through their modules where that is right (see <see cref="TaskIdOrder"/>).</summary>
    private static Draft[] SortById(Draft[] drafts, int[] draftModule, int modules)
    {
        var (ids, features) = (new string[drafts.Length], new string[drafts.Length]);
        for (var i = 0; i < drafts.Length; i++)
        {
            (ids[i], features[i]) = (drafts[i].Module, drafts[i].Feature);
        }

        if (TaskIdOrder.Order(draftModule, modules, ids, features) is not { } order)
        {
            return SortById(drafts);
        }

        var sorted = new Draft[drafts.Length];
        for (var k = 0; k < order.Length; k++)
        {
            sorted[k] = drafts[order[k]];
        }

        return sorted;
    }

    internal static Draft[] SortById(Draft[] drafts)
    {
        Array.Sort(drafts, static (a, b) => string.CompareOrdinal(a.Id, b.Id));
        return drafts;
    }

    /// <summary>
    /// Each task's waits less the implied ones (see <see cref="Reduction"/>): its rules inside the module that no
    /// other of them leads to and, for a module's first tasks, the finishing tasks of the waited-for modules that
    /// no other waited-for module depends on.
    /// </summary>
    private static int[][] Reduce(ImmutableArray<CompiledModule> modules, int[][] edges, ModuleReach reach, List<int>[] byModule, int[] taskModule, Finishing finishing, int[][] dependsOn)
    {
        var listed = new int[dependsOn.Length][];
        var owners = new List<int>();
        for (var m = 0; m < modules.Length; m++)
        {
            // The finishing tasks a first task waits for, by module: those of the modules no other one reaches.
            var union = new List<int>();
            foreach (var dep in edges[m])
            {
                union.AddRange(finishing.Of(dep));
            }

            var waits = SortedDistinct(union);

            owners.Clear();
            foreach (var w in waits)
            {
                if (!owners.Contains(taskModule[w]))
                {
                    owners.Add(taskModule[w]);
                }
            }

            var kept = reach.Reduce(owners);
            int[] startWaits = kept.Count == owners.Count ? waits : [.. waits.Where(w => kept.Contains(taskModule[w]))];
            foreach (var r in byModule[m])
            {
                var own = new List<int>();
                foreach (var d in dependsOn[r])
                {
                    if (taskModule[d] == m)
                    {
                        own.Add(d);
                    }
                }

                if (own.Count == 0)
                {
                    listed[r] = startWaits;
                    continue;
                }

                var mine = m;
                listed[r] = [.. Reduction.Direct(own, x => dependsOn[x].Where(d => taskModule[d] == mine))];
            }
        }

        return listed;
    }

    private static (int[] Rank, int[][] Edges, ModuleReach? Reach) ModuleGraph(LinkResult link)
    {
        var edges = link.EdgeIndexes; // read, never written
        return (Ranks([.. link.Modules.Select(m => m.Id)]), edges, ModuleReach.Of(edges));
    }

    /// <summary>The rank of each id in ordinal order.</summary>
    private static int[] Ranks(string[] ids)
    {
        var byId = Enumerable.Range(0, ids.Length).ToArray();
        var sorted = true; // a link's modules are in id order already: no sort of 10,000 strings to find that out
        for (var i = 1; i < ids.Length && sorted; i++)
        {
            sorted = string.CompareOrdinal(ids[i - 1], ids[i]) < 0;
        }

        if (sorted)
        {
            return byId;
        }

        Array.Sort(byId, (a, b) => string.CompareOrdinal(ids[a], ids[b]));
        var rank = new int[ids.Length];
        for (var i = 0; i < byId.Length; i++)
        {
            rank[byId[i]] = i;
        }

        return rank;
    }

    public static string TaskId(string module, string feature) => module + ":" + feature;

    /// <summary>
    /// A module's tasks before any edge: they depend on the module alone, so a build reuses an unchanged
    /// module's. Drafts once per feature name; the feature order (duplicates included) as indexes into them.
    /// </summary>
    internal sealed class ModuleTasks
    {
        private readonly Dictionary<string, int> _local;

        private ModuleTasks(Draft[] drafts, Dictionary<string, int> local, int[] featureOrder)
        {
            Drafts = drafts;
            _local = local;
            FeatureOrder = featureOrder;
        }

        public Draft[] Drafts { get; }

        public int[] FeatureOrder { get; }

        public bool Has(string feature) => _local.ContainsKey(feature);

        /// <summary>The task's rank in this build, if the module wants the feature.</summary>
        public int? TaskOf(string feature) => _local.TryGetValue(feature, out var local) ? Drafts[local].Rank : null;

        public static ModuleTasks Of(CompiledModule module, PlanningRules rules)
        {
            var local = new Dictionary<string, int>(StringComparer.Ordinal);
            var drafts = new List<Draft>();
            var order = new List<int>();
            foreach (var feature in module.Features)
            {
                if (!feature.Planned)
                {
                    continue; // ruled out: no work (a removed feature's work is its removal)
                }

                if (!local.TryGetValue(feature.Name, out var index))
                {
                    local[feature.Name] = index = drafts.Count;
                    drafts.Add(NewTask(module, feature, rules));
                }
                else
                {
                    drafts[index] = NewTask(module, feature, rules); // the last listing stands
                }

                order.Add(index);
            }

            return new ModuleTasks([.. drafts], local, [.. order]);
        }
    }

    private static Draft NewTask(CompiledModule module, FeatureInfo feature, PlanningRules rules)
    {
        var kubernetes = feature.Action == "deploy" && module.Tech.Any(t => !t.Negated && t.Canonical == "kubernetes");
        var work = Works.GetOrAdd((feature.Action, feature.Name, kubernetes), static (key, rules) => WorkOf(key.Action, key.Feature, key.Kubernetes, rules), rules);
        return new Draft
        {
            Id = TaskId(module.Id, feature.Name),
            Module = module.Id,
            Feature = feature.Name,
            Action = feature.Action,
            Description = $"{work.Verb} {feature.Name} in {module.Id}",
            Priority = (module.Priority * 10) + feature.Priority,
            Risk = work.Risk,
            Tools = work.Tools,
            Seconds = work.Seconds,
            Factors = work.Factors,
        };
    }

    /// <summary>
    /// What a task needs that reads only its action, its feature and whether it deploys to Kubernetes: worked out
    /// once per process for each of those (a few thousand at most: the lexicon's features times the actions), not
    /// once per task drafted.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Action, string Feature, bool Kubernetes), Work> Works = new();

    /// <param name="Factors">The risk factors its tools name, one per tool that names one (the plan's risk summary counts them); null when none.</param>
    private sealed record Work(ImmutableArray<string> Tools, string Risk, int Seconds, string Verb, string[]? Factors);

    private static Work WorkOf(string action, string feature, bool kubernetes, PlanningRules rules)
    {
        var tools = new SortedSet<string>(rules.ToolsByAction.TryGetValue(action, out var byAction) ? byAction : rules.ToolsByAction["build"], StringComparer.Ordinal);
        foreach (var word in feature.Split('-'))
        {
            if (rules.ToolsByWord.TryGetValue(word, out var extra))
            {
                tools.UnionWith(extra);
            }
        }

        if (kubernetes)
        {
            tools.Add("k8s_deploy");
        }

        var risk = tools.Any(rules.Risky.Contains) ? "risky" : tools.Any(rules.Moderate.Contains) ? "moderate" : "safe";
        string[] factors = [.. tools.Where(rules.RiskFactors.ContainsKey).Select(tool => rules.RiskFactors[tool])];
        return new Work([.. tools], risk, rules.Estimate(action, feature, tools.Count), CultureInfo.InvariantCulture.TextInfo.ToTitleCase(action), factors.Length > 0 ? factors : null);
    }

    /// <summary>
    /// The task for a feature in a module, else in the nearest module it (transitively) depends on: fewest
    /// depends hops, ties to the smallest module id. Memoised per feature (distance and holder per module),
    /// so a project pays O(modules + edges) per feature asked for, not a search per rule.
    /// </summary>
    private sealed class NearestFeature(int[][] edges, int[] moduleRank, ModuleTasks[] plans)
    {
        private readonly Dictionary<string, (int[] Distance, int[] Holder)> _memo = new(StringComparer.Ordinal);
        private readonly bool[] _visiting = new bool[edges.Length];

        public int? Find(int module, string feature)
        {
            var holder = Holder(module, feature);
            return holder < 0 ? null : plans[holder].TaskOf(feature);
        }

        /// <summary>The module whose task for the feature a task of this module waits for; -1 when none.</summary>
        public int Holder(int module, string feature)
        {
            if (!_memo.TryGetValue(feature, out var memo))
            {
                memo = (new int[edges.Length], new int[edges.Length]);
                Array.Fill(memo.Distance, -1); // not resolved yet
                _memo[feature] = memo;
            }

            return Resolve(module, feature, memo).Holder;
        }

        private (int Distance, int Holder) Resolve(int m, string feature, (int[] Distance, int[] Holder) memo)
        {
            if (memo.Distance[m] >= 0)
            {
                return (memo.Distance[m], memo.Holder[m]);
            }

            if (plans[m].Has(feature))
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

    /// <summary>Kahn's algorithm, always taking the ready task with the lowest (priority, id); tasks left in a cycle go last (after the placed count).</summary>
    private static (int[] Order, int Placed) Order(Draft[] drafts, int[][] dependsOn)
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

        // (priority, index) packed into one long: the same order as the tuple, compared in one instruction.
        static long Key(Draft[] drafts, int i) => ((long)drafts[i].Priority << 32) | (uint)i;
        var ready = new PriorityQueue<int, long>(drafts.Length);
        for (var i = 0; i < drafts.Length; i++)
        {
            if (pending[i] == 0)
            {
                ready.Enqueue(i, Key(drafts, i));
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
                    ready.Enqueue(d, Key(drafts, d));
                }
            }
        }

        var count = order.Count;
        if (order.Count < drafts.Length)
        {
            order.AddRange(Enumerable.Range(0, drafts.Length).Where(i => !placed[i]).OrderBy(i => (drafts[i].Priority, i)));
        }

        return ([.. order], count);
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
        // Factors in the order their tools first appear; one pass over the tasks.
        var factors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int risky = 0, moderate = 0;
        foreach (var task in tasks)
        {
            risky += task.Risk == "risky" ? 1 : 0;
            moderate += task.Risk == "moderate" ? 1 : 0;
            foreach (var tool in task.Tools)
            {
                if (rules.RiskFactors.TryGetValue(tool, out var factor) && seen.Add(factor))
                {
                    factors.Add(factor);
                }
            }
        }

        var level = risky > 0 ? "risky" : moderate > 0 ? "moderate" : "safe";
        return new RiskSummary(level, tasks.Length - risky - moderate, moderate, risky, [.. factors], risky == 0 && moderate == 0);
    }

    internal sealed class Draft
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

        /// <summary>The risk factors its tools name (see <c>Work</c>), shared by every draft of the same work; null when none.</summary>
        public string[]? Factors { get; init; }

        /// <summary>The last build that listed this draft (see <see cref="PlanMemo.Sorted"/>).</summary>
        public int Listed { get; set; }

        /// <summary>Its position in ordinal id order in the build being planned (set at the start of each plan).</summary>
        public int Rank { get; set; }

        /// <summary>The task this draft became in the last build that planned it (reused when nothing about it changed).</summary>
        public PlanTask? Built { get; set; }
    }
}

/// <summary>
/// Each module's drafted tasks from the builds before, kept while the very same compiled module comes
/// back (a cached module is the same object; an edited one is a new object and is drafted again).
/// Two generations, so it holds about one build's modules.
/// </summary>
public sealed class PlanMemo
{
    private Dictionary<string, (CompiledModule Module, Planner.ModuleTasks Tasks)> _current = new(StringComparer.Ordinal);
    private Dictionary<string, (CompiledModule Module, Planner.ModuleTasks Tasks)> _previous = new(StringComparer.Ordinal);

    private (object Edges, (int[] Rank, int[][] Edges, ModuleReach? Reach) Graph)? _graph;

    /// <summary>The module graph as int arrays, kept while the link hands back the very same edges object.</summary>
    internal (int[] Rank, int[][] Edges, ModuleReach? Reach) GraphOf(LinkResult link, Func<LinkResult, (int[] Rank, int[][] Edges, ModuleReach? Reach)> build)
    {
        if (_graph is not { } known || !ReferenceEquals(known.Edges, link.Edges))
        {
            known = (link.Edges, build(link));
            _graph = known;
        }

        return known.Graph;
    }

    private Planner.Draft[] _sorted = [];
    private int _build;

    /// <summary>
    /// This build's drafts in ordinal id order, from the last build's order: the drafts that stayed are
    /// still in order, so only the new ones are sorted, then merged in (O(n + k log k) instead of a sort of all).
    /// </summary>
    internal Planner.Draft[] Sorted(Planner.Draft[] drafts)
    {
        var build = ++_build;
        foreach (var d in drafts)
        {
            d.Listed = build;
        }

        var kept = new List<Planner.Draft>(drafts.Length);
        var known = new HashSet<Planner.Draft>(ReferenceEqualityComparer.Instance);
        foreach (var d in _sorted)
        {
            if (d.Listed == build)
            {
                kept.Add(d);
                known.Add(d);
            }
        }

        var fresh = Planner.SortById([.. drafts.Where(d => !known.Contains(d))]);
        var merged = new Planner.Draft[drafts.Length];
        int i = 0, j = 0, k = 0;
        while (i < kept.Count || j < fresh.Length)
        {
            merged[k++] = j >= fresh.Length || (i < kept.Count && string.CompareOrdinal(kept[i].Id, fresh[j].Id) <= 0) ? kept[i++] : fresh[j++];
        }

        _sorted = merged;
        return merged;
    }

    /// <summary>Modules drafted again in the last build.</summary>
    public int Drafted { get; private set; }

    internal Planner.ModuleTasks TasksOf(CompiledModule module, Func<CompiledModule, Planner.ModuleTasks> draft)
    {
        if ((!_current.TryGetValue(module.Id, out var known) && !_previous.TryGetValue(module.Id, out known)) || !ReferenceEquals(known.Module, module))
        {
            known = (module, draft(module));
            Drafted++;
        }

        _current[module.Id] = known;
        return known.Tasks;
    }

    public void EndBuild()
    {
        _previous = _current;
        _current = new Dictionary<string, (CompiledModule Module, Planner.ModuleTasks Tasks)>(StringComparer.Ordinal);
        Drafted = 0;
    }
}
