using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Grump.Hyper.Compiler.Linking;

namespace Grump.Hyper.Compiler.Planning;

/// <summary>
/// The plan kept as a task graph between the builds of one project and repaired, not rebuilt: a build
/// recomputes the dependencies of the modules its changes reach, then the batch and finish time of the
/// tasks whose inputs moved (in topological order, stopping where a value comes out the same), then
/// merges the moved tasks into the kept execution order. It makes the same plan as
/// <see cref="Planner.Build"/> (a property test compares them over random edit sequences); a project
/// whose modules or tasks form a cycle is left to that planner.
/// </summary>
/// <remarks>
/// What each part of a task reads, and so what a change has to reach before it recomputes that part:
/// a module's own tasks and the rules between them read the module alone; a module's first tasks wait for
/// the finishing tasks of the modules it depends on (which for a module without tasks are its own
/// dependencies' finishing tasks), less those another waited-for module reaches, which reads the depends
/// graph below it. A rule resolved in another module is never read: on an acyclic project the first tasks'
/// waits always imply it (see <see cref="Reduction"/>). The state describes the build it was last repaired to, whatever the
/// memo was rewound to since, so it is right to repair from it to any build.
/// </remarks>
internal sealed class IncrementalPlanner
{
    private readonly Dictionary<string, ModuleState> _modules = new(StringComparer.Ordinal);
    private readonly List<Node> _killed = [];

    /// <summary>The last build's module states by link position (see <see cref="Repair"/>); written in place.</summary>
    private ModuleState[] _states = [];

    /// <summary>The modules the states were last repaired to, by position: the very module at its place has its state as it was.</summary>
    private Modules.CompiledModule[] _lastModules = [];

    // The execution order, with what the plan lists of each task alongside, and the id order: paged lists a build
    // splices, sharing every page it does not touch with the plan of the build before (see PagedList).
    private PagedList<OrderEntry> _order = PagedList<OrderEntry>.Empty;
    private PagedList<IdEntry> _byId = PagedList<IdEntry>.Empty;
    private int _risky;
    private int _moderate;
    private int _sequential;

    /// <summary>How many tasks in the order name each risk factor: the plan lists those present, so its walk stops once it met them all.</summary>
    private readonly Dictionary<string, int> _factors = new(StringComparer.Ordinal);
    private PagedView<OrderEntry, string>[] _batchIds = [];

    /// <summary>Per page of the order: where batches end in it and its latest finish, so the plan's output reads only new pages.</summary>
    private readonly BuildTables<OrderEntry[], PageSummary> _summaries = new();
    private Emit.BatchLine?[] _batchLines = [];

    private (object Edges, Graph Graph)? _graph;
    private int _build;
    private bool _parallel;

    /// <summary>
    /// Below this many items module-local work stays on the calling thread (an edit's handful of modules); above, a
    /// cold build or a large edit shares it out. The plan runs beside the split: by the time the rules are resolved the
    /// split is done and the second core idles. (Drafting and making first nodes side by side, while the split still
    /// runs, measured no faster and is not done.)
    /// </summary>
    private const int ParallelFrom = 512;

    /// <summary>
    /// A splice of at least this many tasks sorts them by their rank in the id order, which costs a pass over every task
    /// to write the ranks; a smaller one compares their ids (an edit's few hundred tasks).
    /// </summary>
    private const int RankSortFrom = 512;

    /// <summary>Modules the last build planned for the first time, and modules it found gone.</summary>
    public int Added { get; private set; }

    public int Removed { get; private set; }

    public void Reset()
    {
        _modules.Clear();
        _killed.Clear();
        _states = [];
        _lastModules = [];
        _summaries.Clear();
        _order = PagedList<OrderEntry>.Empty;
        _byId = PagedList<IdEntry>.Empty;
        (_risky, _moderate, _sequential) = (0, 0, 0);
        _factors.Clear();
        _batchIds = [];
        _batchLines = [];
        _graph = null;
    }

    /// <summary>The repaired plan, or null when the project has a cycle (the state is then dropped).</summary>
    /// <param name="parallel">Module-local work (rules, tasks made again) may use every core.</param>
    public Plan? Build(LinkResult link, PlanMemo drafts, bool parallel = false)
    {
        _parallel = parallel;
        try
        {
            var plan = Repair(link, drafts);
            if (plan is null)
            {
                Reset();
            }
            else
            {
                _lastModules = ImmutableCollectionsMarshal.AsArray(link.Modules)!; // what the states now describe, by place
            }

            return plan;
        }
        catch
        {
            Reset(); // half repaired is not a state to repair from
            throw;
        }
    }

    private Plan? Repair(LinkResult link, PlanMemo drafts)
    {
        var rules = PlanningRules.Default;
        var modules = link.Modules;
        var n = modules.Length;
        var graph = GraphOf(link);
        if (graph is null)
        {
            return null;
        }

        var build = ++_build;
        var added = 0;

        // The modules' states by place: the build before's array, written only where another module sits now. Most
        // builds keep every module in its place, so this walk compares ids, the very same strings, instead of looking
        // each up by its hash (at 100,000 modules that lookup was a quarter of a 10-file edit's repair).
        // A module that is the very one the states were last repaired to at its place (compared in two arrays, no state
        // read) keeps its state as it is, unread and unwritten: at 100,000 modules three walks over every state were a
        // fifth of a 10-file edit's plan. Such a state is live in this build because its place holds it (see Live).
        var states = _states.Length == n ? _states : new ModuleState[n];
        var last = ReferenceEquals(states, _states) && _lastModules.Length == n ? _lastModules : null;
        var moduleArray = ImmutableCollectionsMarshal.AsArray(modules)!;
        bool Kept(int m) => last is not null && ReferenceEquals(last[m], moduleArray[m]);
        _states = states;
        _lastModules = [];
        for (var m = 0; m < n; m++)
        {
            if (Kept(m))
            {
                continue;
            }

            var id = modules[m].Id;
            var st = states[m];
            if (st?.Module is not { } was || !(ReferenceEquals(was.Id, id) || was.Id == id))
            {
                if (!_modules.TryGetValue(id, out st))
                {
                    _modules[id] = st = new ModuleState();
                    added++;
                }

                states[m] = st;
            }

            if (st.Seen == build || (st.Index != m && st.Index < n && Kept(st.Index) && ReferenceEquals(states[st.Index], st)))
            {
                return null; // a duplicate id (the linker reports it), of a module placed this build or kept at its place
            }

            st.Seen = build;
            st.Index = m;
        }

        var plans = new Planner.ModuleTasks?[n];
        for (var m = 0; m < n; m++)
        {
            // The very module of the build before keeps its drafts without a lookup (most modules, most builds); one kept
            // at its place needs no drafts at all (none is asked for below).
            if (!Kept(m))
            {
                plans[m] = ReferenceEquals(states[m].Module, modules[m]) ? states[m].Tasks! : drafts.TasksOf(modules[m], x => Planner.ModuleTasks.Of(x, rules));
            }
        }

        var touched = new List<Node>();
        var reach = new Reach(n); // modules whose rules are resolved again
        (Added, Removed) = (added, _modules.Count - n);
        foreach (var (id, st) in Removed == 0 ? [] : _modules.Where(x => !Live(x.Value)).ToList())
        {
            foreach (var node in st.Nodes.Values)
            {
                Kill(node, reach);
            }

            _modules.Remove(id);
        }

        // The modules whose drafted tasks changed: their nodes, kept by feature name so what waits on them keeps waiting.
        var changed = new List<int>();
        for (var m = 0; m < n; m++)
        {
            if (plans[m] is not { } tasks)
            {
                continue; // kept at its place
            }

            var st = states[m];
            if (ReferenceEquals(st.Tasks, tasks))
            {
                st.Module = modules[m];
                continue;
            }

            changed.Add(m);
            reach.Add(m);
            var nodes = new Dictionary<string, Node>(tasks.Drafts.Length, StringComparer.Ordinal);
            foreach (var draft in tasks.Drafts)
            {
                if (st.Nodes.TryGetValue(draft.Feature, out var node))
                {
                    node.DraftChanged = !SameDraft(node.Draft, draft);
                    node.Draft = draft;
                }
                else
                {
                    node = new Node(draft, st) { New = true };
                }

                nodes[draft.Feature] = node;
                touched.Add(node);
            }

            foreach (var (feature, node) in st.Nodes)
            {
                if (!nodes.ContainsKey(feature))
                {
                    Kill(node, reach);
                }
            }

            var listed = new List<Node>(tasks.FeatureOrder.Length);
            var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
            foreach (var local in tasks.FeatureOrder)
            {
                var node = nodes[tasks.Drafts[local].Feature];
                if (seen.Add(node))
                {
                    listed.Add(node);
                }
            }

            st.Tasks = tasks;
            st.Module = modules[m];
            st.Nodes = nodes;
            st.Listed = [.. listed];
        }

        // Modules whose depends changed (new ones included), and everything that reaches them: their rules may resolve elsewhere now.
        var edgesChanged = new List<int>();
        if (graph.Fresh)
        {
            for (var m = 0; m < n; m++)
            {
                var ids = graph.Edges[m].Select(d => modules[d].Id).ToArray();
                if (states[m].DependsOn is not { } was || !was.AsSpan().SequenceEqual(ids))
                {
                    states[m].DependsOn = ids;
                    edgesChanged.Add(m);
                }
            }

            graph.Fresh = false;
            reach.AddWithDependents(edgesChanged, graph.Dependents);
        }

        // Feature rules, resolved again in the reached modules; then each one's first and finishing tasks. All of it
        // inside the module: only a rule the module holds itself is kept (one resolved in a module below is always
        // implied by the first tasks' waits, see Reduction, and this planner runs only on an acyclic project).
        var cyclic = false;
        Each(reach.Members, m =>
        {
            var st = states[m];
            foreach (var node in st.Listed)
            {
                node.RuleDeps.Clear();
            }

            foreach (var edge in modules[m].Dependencies)
            {
                if (st.Nodes.GetValueOrDefault(edge.From) is { } from && st.Nodes.GetValueOrDefault(edge.To) is { } to && to != from)
                {
                    from.RuleDeps.Add(to);
                }
            }

            if (!st.Arrange())
            {
                Volatile.Write(ref cyclic, true);
            }
        });
        if (cyclic)
        {
            return null; // the rules inside a module make a cycle
        }

        // Finishing tasks, in module topological order so a module without tasks reads its dependencies' final ones.
        var finishingChanged = new List<int>();
        var queue = new PriorityQueue<int, int>();
        var queued = new bool[n];
        foreach (var m in changed.Concat(edgesChanged))
        {
            if (!queued[m])
            {
                queued[m] = true;
                queue.Enqueue(m, graph.Topo[m]);
            }
        }

        while (queue.TryDequeue(out var m, out _))
        {
            var st = states[m];
            var finishing = st.Listed.Length > 0 ? st.OwnFinishing : Merged(graph.Edges[m], states);
            if (finishing.AsSpan().SequenceEqual(st.Finishing))
            {
                continue;
            }

            st.Finishing = finishing;
            finishingChanged.Add(m);
            foreach (var y in graph.Dependents[m])
            {
                if (!queued[y] && states[y].Listed.Length == 0)
                {
                    queued[y] = true;
                    queue.Enqueue(y, graph.Topo[y]);
                }
            }
        }

        // Every task of a module whose rules, own tasks, depends or dependencies' finishing tasks moved: its dependsOn again.
        var replan = new Reach(n);
        foreach (var m in reach.Members.Concat(changed).Concat(edgesChanged))
        {
            replan.Add(m);
        }

        replan.AddDependentsOf(finishingChanged, graph.Dependents);
        foreach (var m in replan.Members)
        {
            var st = states[m];
            if (st.Listed.Length == 0)
            {
                continue;
            }

            // What the plan lists is the reduction (see Reduction): a first task waits for the finishing tasks of the
            // modules no other waited-for module reaches; any task for its rules inside the module that no other leads to.
            // A rule resolved in another module is implied by those waits, so it is never listed.
            var waits = Waits(graph, states, m);
            foreach (var node in st.Listed)
            {
                var deps = node.IsStart ? waits : SortedDistinct([.. Reduction.Direct([.. node.RuleDeps], x => x.RuleDeps)]);
                if (deps.AsSpan().SequenceEqual(node.Deps))
                {
                    continue;
                }

                Rewire(node, deps);
                node.DepsChanged = true;
                touched.Add(node);
            }
        }


        // Batches and finish times, in topological order (module, then place in module), only as far as they move.
        // The tasks known to need it are sorted once; a queue holds only the dependents they reach beyond those,
        // and the next task is the first of the two. A first build sorts every task and never queues one (a queue
        // of every task was a sixth of a cold build's plan).
        var sorted = new List<Node>();
        foreach (var node in touched)
        {
            if (node.Alive && node.Stamp != build && (node.New || node.DepsChanged || node.DraftChanged))
            {
                node.Stamp = build;
                sorted.Add(node);
            }
        }

        var keys = new long[sorted.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = LevelKey(graph, sorted[i]);
        }

        var order = sorted.ToArray();
        Array.Sort(keys, order);
        var next = 0;
        var levels = new PriorityQueue<Node, long>();
        while (true)
        {
            Node node;
            if (next < order.Length && (!levels.TryPeek(out _, out var queuedKey) || keys[next] < queuedKey))
            {
                node = order[next++];
            }
            else if (!levels.TryDequeue(out node!, out _))
            {
                break;
            }

            var level = 0;
            var start = 0;
            Node? via = null;
            foreach (var dep in node.Deps)
            {
                level = Math.Max(level, dep.Batch + 1);

                // Deps are in id order, so on equal finish times the smallest id stays on the path.
                if (dep.End > start)
                {
                    start = dep.End;
                    via = dep;
                }
            }

            var end = start + node.Draft.Seconds;
            node.Via = via;
            if (!node.New && level == node.Batch && end == node.End)
            {
                continue;
            }

            node.BatchChanged |= level != node.Batch;
            node.EndChanged = true;
            touched.Add(node);

            node.Batch = level;
            node.End = end;
            foreach (var dependent in node.Dependents)
            {
                if (dependent.Stamp != build)
                {
                    dependent.Stamp = build;
                    levels.Enqueue(dependent, LevelKey(graph, dependent));
                }
            }
        }

        // Tasks made again where anything they list changed; then every task whose place or listing moved is
        // taken out of the kept arrays and put back where it now belongs (found by binary search, so only the
        // moved tasks are visited).
        var moved = new List<Node>();
        var remade = new List<Node>();
        foreach (var node in touched)
        {
            if (!node.Alive || node.Stamp == -build)
            {
                continue;
            }

            node.Stamp = -build; // listed once
            if (node.Task is null || node.New || node.DraftChanged || node.DepsChanged || node.BatchChanged)
            {
                remade.Add(node);
                moved.Add(node);
            }
            else if (node.EndChanged)
            {
                moved.Add(node);
            }
        }

        Each(remade, node =>
        {
            var d = node.Draft;
            var ids = new string[node.Deps.Length];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = node.Deps[i].Draft.Id;
            }

            node.Task = new PlanTask(d.Id, d.Module, d.Feature, d.Action, d.Description, d.Priority, d.Risk, d.Tools, d.Seconds, ImmutableCollectionsMarshal.AsImmutableArray(ids), node.Batch);
            node.Factors = d.Factors;
        });

        // The id order first: a large splice sorts its tasks by their place in it instead of comparing ids again.
        SpliceById(moved);
        SpliceOrder(moved);
        foreach (var node in touched)
        {
            node.New = node.DraftChanged = node.DepsChanged = node.BatchChanged = node.EndChanged = false;
        }

        _killed.Clear();
        return Output();
    }

    /// <summary>A task's place in the topological order the levels are computed in: its module's rank, then its place in the module.</summary>
    private static long LevelKey(Graph graph, Node node) => ((long)graph.Topo[node.Owner.Index] << 32) | (uint)node.Local;

    /// <summary>Runs <paramref name="work"/> on each item, side by side when allowed and worth it; each item's work touches only its own state.</summary>
    private void Each<T>(List<T> items, Action<T> work)
    {
        if (_parallel && items.Count >= ParallelFrom)
        {
            Parallel.For(0, items.Count, i => work(items[i]));
            return;
        }

        foreach (var item in items)
        {
            work(item);
        }
    }

    private static Node[] Waits(Graph graph, ModuleState[] states, int m)
    {
        var waits = Merged(graph.Edges[m], states);
        var owners = new List<int>();
        foreach (var w in waits)
        {
            if (!owners.Contains(w.Owner.Index))
            {
                owners.Add(w.Owner.Index);
            }
        }

        var kept = graph.Reach.Reduce(owners);
        return kept.Count == owners.Count ? waits : [.. waits.Where(w => kept.Contains(w.Owner.Index))];
    }

    /// <summary>The execution order with the killed and moved tasks taken out and the moved ones put back at their new place.</summary>
    private void SpliceOrder(List<Node> moved)
    {
        var outs = new List<int>(moved.Count + _killed.Count);
        var keptLines = new Dictionary<Node, byte[]>(ReferenceEqualityComparer.Instance);
        foreach (var node in moved.Concat(_killed))
        {
            if (node.InOrder)
            {
                var p = PositionInOrder(node.SortBatch, node.SortPriority, node.Draft.Id);
                outs.Add(p);
                ref var entry = ref _order[p];
                if (node.Alive && ReferenceEquals(entry.Task, node.Task) && entry.Line is { } line)
                {
                    keptLines[node] = line; // moved for its finish time only: the same task, the same line
                }
            }
        }

        outs.Sort();
        foreach (var p in outs)
        {
            Count(_order[p].Task, _order[p].Factors, -1);
        }

        var ins = moved.ToArray();
        if (ins.Length >= RankSortFrom)
        {
            // Every task is in the id order already (spliced first): its place there is its id's rank.
            var rank = 0;
            foreach (var page in _byId.Pages)
            {
                foreach (var entry in page)
                {
                    entry.Node.IdRank = rank++;
                }
            }

            var keys = new Planner.ExecutionKey[ins.Length];
            for (var i = 0; i < ins.Length; i++)
            {
                keys[i] = new Planner.ExecutionKey(ins[i].Batch, ins[i].Draft.Priority, ins[i].IdRank);
            }

            Array.Sort(keys, ins);
        }
        else
        {
            Array.Sort(ins, CompareExecution);
        }

        var entries = new (int At, OrderEntry Entry)[ins.Length];
        for (var i = 0; i < ins.Length; i++)
        {
            var node = ins[i];
            entries[i] = (PositionInOrder(node.Batch, node.Draft.Priority, node.Draft.Id),
                new OrderEntry(node, node.Task!, node.Batch, node.End, node.Factors, keptLines.GetValueOrDefault(node)));
        }

        foreach (var node in ins)
        {
            Count(node.Task!, node.Factors, +1);
            (node.SortBatch, node.SortPriority, node.InOrder) = (node.Batch, node.Draft.Priority, true);
        }

        _order = _order.Splice(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(outs), entries, []);
    }

    /// <summary>The plan's totals, kept as tasks come and go (a task's risk is one of three literals).</summary>
    private void Count(PlanTask task, string[]? factors, int sign)
    {
        _risky += task.Risk == "risky" ? sign : 0;
        _moderate += task.Risk == "moderate" ? sign : 0;
        _sequential += task.EstimatedSeconds * sign;
        foreach (var factor in factors ?? [])
        {
            var left = (_factors.TryGetValue(factor, out var had) ? had : 0) + sign;
            if (left == 0)
            {
                _factors.Remove(factor);
            }
            else
            {
                _factors[factor] = left;
            }
        }
    }

    /// <summary>The first position in the kept order whose task sorts at or after the given key (an exact hit for a kept task's own key).</summary>
    private int PositionInOrder(int batch, int priority, string id) =>
        _order.LowerBound((batch, priority, id), static (key, entry) =>
            key.batch != entry.Node.SortBatch ? key.batch.CompareTo(entry.Node.SortBatch)
            : key.priority != entry.Node.SortPriority ? key.priority.CompareTo(entry.Node.SortPriority)
            : string.CompareOrdinal(key.id, entry.Node.Draft.Id));

    /// <summary>The id order: killed tasks out, new ones in, and the task made again set at its place.</summary>
    private void SpliceById(List<Node> moved)
    {
        var outs = _killed.Where(x => x.ById).Select(x => PositionById(x.Draft.Id)).Order().ToArray();
        var ins = moved.Where(x => !x.ById).ToArray();
        if (ins.Length < RankSortFrom || ByIdThroughModules(ins) is not { } sorted)
        {
            Array.Sort(ins, CompareId);
        }
        else
        {
            ins = sorted;
        }

        var entries = new (int At, IdEntry Entry)[ins.Length];
        for (var i = 0; i < ins.Length; i++)
        {
            entries[i] = (PositionById(ins[i].Draft.Id), new IdEntry(ins[i], ins[i].Task!));
        }

        var sets = new List<(int At, IdEntry Entry)>();
        foreach (var node in moved)
        {
            if (node.ById && PositionById(node.Draft.Id) is var at && !ReferenceEquals(_byId[at].Task, node.Task))
            {
                sets.Add((at, new IdEntry(node, node.Task!))); // its task made again: its line is rendered again
            }
        }

        sets.Sort(static (a, b) => a.At.CompareTo(b.At));
        foreach (var node in ins)
        {
            node.ById = true;
        }

        _byId = _byId.Splice(outs, entries, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sets));
    }

    /// <summary>A large splice's tasks in id order, found through their modules (see <see cref="TaskIdOrder"/>); null where that is not right.</summary>
    private Node[]? ByIdThroughModules(Node[] nodes)
    {
        var (modules, ids, features) = (new int[nodes.Length], new string[nodes.Length], new string[nodes.Length]);
        for (var i = 0; i < nodes.Length; i++)
        {
            (modules[i], ids[i], features[i]) = (nodes[i].Owner.Index, nodes[i].Draft.Module, nodes[i].Draft.Feature);
        }

        if (TaskIdOrder.Order(modules, _states.Length, ids, features) is not { } order)
        {
            return null;
        }

        var sorted = new Node[nodes.Length];
        for (var k = 0; k < order.Length; k++)
        {
            sorted[k] = nodes[order[k]];
        }

        return sorted;
    }

    private int PositionById(string id) => _byId.LowerBound(id, static (key, entry) => string.CompareOrdinal(key, entry.Node.Draft.Id));

    private Plan Output()
    {
        var t = _order.Count;
        var batches = new List<PagedView<OrderEntry, string>>();
        var batchLines = new List<Emit.BatchLine?>();
        var factors = new List<string>();
        var seenFactors = new HashSet<string>(StringComparer.Ordinal);
        int risky = _risky, moderate = _moderate, from = 0, start = 0, lastEnd = 0;
        Node? last = null;
        string? lastId = null;
        void Close(int end)
        {
            // A batch listing the same tasks as the build before is the same list, and keeps its line.
            var b = batches.Count;
            var same = b < _batchIds.Length && SameBatch(_batchIds[b], _order, from, end + 1 - from);
            batches.Add(same ? _batchIds[b] : new PagedView<OrderEntry, string>(_order, static e => e.Task.Id, from, end + 1 - from));
            batchLines.Add(same ? _batchLines[b] : null);
            from = end + 1;
        }

        var pages = _order.Pages;
        _summaries.Begin();
        for (var p = 0; p < pages.Length; start += pages[p].Length, p++)
        {
            var page = pages[p];
            for (var k = 0; k < page.Length && factors.Count < _factors.Count; k++)
            {
                foreach (var factor in page[k].Factors ?? [])
                {
                    if (seenFactors.Add(factor))
                    {
                        factors.Add(factor);
                    }
                }
            }

            // Batch ends and the latest finish read from the page's summary, made once per page (a kept page keeps it).
            var summary = Summary(_summaries, page);
            foreach (var k in summary.Ends)
            {
                Close(start + k);
            }

            if (p + 1 == pages.Length || pages[p + 1][0].Batch != page[^1].Batch)
            {
                Close(start + page.Length - 1);
            }

            // The latest finish; on a tie the smallest id.
            ref readonly var best = ref page[summary.Latest];
            if (last is null || best.End > lastEnd || (best.End == lastEnd && string.CompareOrdinal(best.Task.Id, lastId) < 0))
            {
                (last, lastEnd, lastId) = (best.Node, best.End, best.Task.Id);
            }
        }

        _summaries.End();

        var path = new List<string>();
        for (var at = last; at is not null; at = at.Via)
        {
            path.Add(at.Draft.Id);
        }

        path.Reverse();
        var critical = new CriticalPath([.. path], last is null ? 0 : lastEnd);
        var level = risky > 0 ? "risky" : moderate > 0 ? "moderate" : "safe";
        var risk = new RiskSummary(level, t - risky - moderate, moderate, risky, [.. factors], risky == 0 && moderate == 0);
        _batchIds = [.. batches];
        _batchLines = [.. batchLines];
        // The paged lists are handed out as they are: a splice never writes a page a plan holds, it makes new ones.
        return new Plan(new PagedView<OrderEntry, PlanTask>(_order, static e => e.Task), new PagedView<OrderEntry, string>(_order, static e => e.Task.Id),
            [.. batches], critical, critical.EstimatedSeconds, _sequential, risk)
        {
            TasksById = new PagedView<IdEntry, PlanTask>(_byId, static e => e.Task),
            Lines = new PlanLines(_order, _byId, _batchLines), // the planner's own lists: what the emitter renders into them, the next build keeps
        };
    }

    /// <summary>What the plan's output reads of one page of the order: the places where a batch ends before the page's last entry, and its latest finish (on a tie the smallest id).</summary>
    private sealed record PageSummary(int[] Ends, int Latest);

    /// <summary>A page's summary: kept from the build before, or made from its entries.</summary>
    private static PageSummary Summary(BuildTables<OrderEntry[], PageSummary> summaries, OrderEntry[] page)
    {
        if (!summaries.TryGet(page, out var summary))
        {
            var ends = new List<int>();
            var latest = 0;
            for (var k = 0; k < page.Length; k++)
            {
                if (k + 1 < page.Length && page[k + 1].Batch != page[k].Batch)
                {
                    ends.Add(k);
                }

                if (page[k].End > page[latest].End || (page[k].End == page[latest].End && string.CompareOrdinal(page[k].Task.Id, page[latest].Task.Id) < 0))
                {
                    latest = k;
                }
            }

            summary = new PageSummary([.. ends], latest);
        }

        summaries.Keep(page, summary);
        return summary;
    }

    /// <summary>A task in the execution order, with what the plan lists of it, as it was spliced in.</summary>
    internal struct OrderEntry(Node node, PlanTask task, int batch, int end, string[]? factors, byte[]? line)
    {
        public readonly Node Node = node;
        public readonly PlanTask Task = task;
        public readonly int Batch = batch;
        public readonly int End = end;
        public readonly string[]? Factors = factors;

        /// <summary>Its line in plan.json's tasks and its quoted id in the batches, filled in place by the emitter.</summary>
        public byte[]? Line = line;
        public byte[]? IdLine;

        public static ref byte[]? LineSlot(ref OrderEntry entry) => ref entry.Line;

        public static ref byte[]? IdLineSlot(ref OrderEntry entry) => ref entry.IdLine;
    }

    /// <summary>A task in the id order, with its line in graph.json's features (filled in place by the emitter).</summary>
    internal struct IdEntry(Node node, PlanTask task)
    {
        public readonly Node Node = node;
        public readonly PlanTask Task = task;
        public byte[]? FeatureLine;

        public static ref byte[]? FeatureSlot(ref IdEntry entry) => ref entry.FeatureLine;
    }

    /// <summary>Whether a batch of the build before lists the very same ids, in order, as entries from..from+count.</summary>
    private static bool SameBatch(PagedView<OrderEntry, string> before, PagedList<OrderEntry> order, int from, int count)
    {
        if (before.Count != count)
        {
            return false;
        }

        return PagedList<OrderEntry>.SameRange(before.List, before.From, order, from, count, static (a, b) => ReferenceEquals(a.Task.Id, b.Task.Id));
    }

    /// <summary>The module graph as int arrays with a topological rank, the reverse edges and a reachability index; null when it has a cycle.</summary>
    private Graph? GraphOf(LinkResult link)
    {
        if (_graph is { } known && ReferenceEquals(known.Edges, link.Edges))
        {
            return known.Graph;
        }

        var n = link.Modules.Length;
        var edges = link.EdgeIndexes; // read, never written
        var dependents = new List<int>[n];
        for (var m = 0; m < n; m++)
        {
            dependents[m] = [];
        }

        var pending = new int[n];
        for (var m = 0; m < n; m++)
        {
            pending[m] = edges[m].Length;
            foreach (var d in edges[m])
            {
                dependents[d].Add(m);
            }
        }

        var topo = new int[n];
        var ready = new Queue<int>(Enumerable.Range(0, n).Where(m => pending[m] == 0));
        var placed = 0;
        while (ready.TryDequeue(out var m))
        {
            topo[m] = placed++;
            foreach (var y in dependents[m])
            {
                if (--pending[y] == 0)
                {
                    ready.Enqueue(y);
                }
            }
        }

        if (placed < n || ModuleReach.Of(edges) is not { } reach)
        {
            return null;
        }

        var graph = new Graph(edges, topo, [.. dependents.Select(d => d.ToArray())], reach);
        _graph = (link.Edges, graph);
        return graph;
    }

    /// <summary>Whether a module's state belongs to this build: its place holds it (a gone module's place holds another, or none).</summary>
    private bool Live(ModuleState state) => state.Index < _states.Length && ReferenceEquals(_states[state.Index], state);

    /// <summary>A task that is gone: out of its dependencies' dependents; what waited on it is planned again.</summary>
    private void Kill(Node node, Reach reach)
    {
        node.Alive = false;
        _killed.Add(node);
        foreach (var d in node.Deps)
        {
            d.Dependents.Remove(node);
        }

        foreach (var dependent in node.Dependents)
        {
            if (Live(dependent.Owner))
            {
                reach.Add(dependent.Owner.Index);
            }
        }

        node.Deps = [];
    }

    /// <summary>New dependencies for a task, its old and new dependencies' dependents changed only where the two differ.</summary>
    private static void Rewire(Node node, Node[] deps)
    {
        if (node.Deps.Length == 0)
        {
            // A new task (every task of a first build): nothing to take back.
            foreach (var d in deps)
            {
                d.Dependents.Add(node);
            }

            node.Deps = deps;
            return;
        }

        var was = new HashSet<Node>(node.Deps, ReferenceEqualityComparer.Instance);
        var now = new HashSet<Node>(deps, ReferenceEqualityComparer.Instance);
        foreach (var d in node.Deps)
        {
            if (!now.Contains(d))
            {
                d.Dependents.Remove(node);
            }
        }

        foreach (var d in deps)
        {
            if (!was.Contains(d))
            {
                d.Dependents.Add(node);
            }
        }

        node.Deps = deps;
    }

    private static bool SameDraft(Planner.Draft a, Planner.Draft b) =>
        a.Id == b.Id && a.Action == b.Action && a.Description == b.Description && a.Priority == b.Priority && a.Risk == b.Risk
        && a.Seconds == b.Seconds && a.Tools.SequenceEqual(b.Tools);

    private static int CompareId(Node a, Node b) => string.CompareOrdinal(a.Draft.Id, b.Draft.Id);

    private static int CompareExecution(Node a, Node b) =>
        a.Batch != b.Batch ? a.Batch.CompareTo(b.Batch) : a.Draft.Priority != b.Draft.Priority ? a.Draft.Priority.CompareTo(b.Draft.Priority) : CompareId(a, b);

    /// <summary>
    /// The finishing tasks of the given modules, distinct, in id order. Each module's list is in id order already, so
    /// they are merged, not sorted again: one module's list is handed on as it is (lists are never written once made).
    /// </summary>
    private static Node[] Merged(int[] modules, ModuleState[] states)
    {
        var merged = modules.Length == 0 ? [] : states[modules[0]].Finishing;
        for (var k = 1; k < modules.Length; k++)
        {
            merged = Merge(merged, states[modules[k]].Finishing);
        }

        return merged;
    }

    /// <summary>Two lists in id order, each without repeats, as one (a node in both once).</summary>
    private static Node[] Merge(Node[] a, Node[] b)
    {
        if (a.Length == 0 || ReferenceEquals(a, b))
        {
            return b;
        }

        if (b.Length == 0)
        {
            return a;
        }

        var merged = new List<Node>(a.Length + b.Length);
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (ReferenceEquals(a[i], b[j]))
            {
                merged.Add(a[i++]);
                j++;
                continue;
            }

            merged.Add(CompareId(a[i], b[j]) < 0 ? a[i++] : b[j++]);
        }

        for (; i < a.Length; i++)
        {
            merged.Add(a[i]);
        }

        for (; j < b.Length; j++)
        {
            merged.Add(b[j]);
        }

        return [.. merged];
    }

    /// <summary>The nodes, distinct, in id order.</summary>
    private static Node[] SortedDistinct(Node[] nodes)
    {
        if (nodes.Length < 2)
        {
            return nodes;
        }

        Array.Sort(nodes, CompareId);
        var distinct = new List<Node>(nodes.Length) { nodes[0] };
        for (var i = 1; i < nodes.Length; i++)
        {
            if (!ReferenceEquals(nodes[i], nodes[i - 1]))
            {
                distinct.Add(nodes[i]);
            }
        }

        return distinct.Count == nodes.Length ? nodes : [.. distinct];
    }

    private sealed class Graph(int[][] edges, int[] topo, int[][] dependents, ModuleReach reach)
    {
        public ModuleReach Reach { get; } = reach;

        public int[][] Edges { get; } = edges;
        public int[] Topo { get; } = topo;
        public int[][] Dependents { get; } = dependents;

        /// <summary>Not compared with the modules' recorded depends yet.</summary>
        public bool Fresh { get; set; } = true;
    }

    /// <summary>A set of module indexes, in the order they were added.</summary>
    private sealed class Reach(int n)
    {
        private readonly bool[] _in = new bool[n];

        public List<int> Members { get; } = [];

        public void Add(int m)
        {
            if (!_in[m])
            {
                _in[m] = true;
                Members.Add(m);
            }
        }

        public void AddDependentsOf(IEnumerable<int> modules, int[][] dependents)
        {
            foreach (var m in modules)
            {
                foreach (var y in dependents[m])
                {
                    Add(y);
                }
            }
        }

        /// <summary>The modules and every module that reaches them through depends.</summary>
        public void AddWithDependents(IEnumerable<int> modules, int[][] dependents)
        {
            var visited = new bool[_in.Length];
            var stack = new Stack<int>(modules);
            while (stack.TryPop(out var m))
            {
                if (visited[m])
                {
                    continue;
                }

                visited[m] = true;
                Add(m);
                foreach (var y in dependents[m])
                {
                    stack.Push(y);
                }
            }
        }
    }

    internal sealed class ModuleState
    {
        public int Seen;
        public int Index;
        public Planner.ModuleTasks? Tasks;
        public Modules.CompiledModule? Module;
        public Dictionary<string, Node> Nodes = new(StringComparer.Ordinal);

        /// <summary>Own tasks in the order the module lists its features.</summary>
        public Node[] Listed = [];

        public Node[] OwnFinishing = [];

        /// <summary>What the modules that depend on this one wait for (a module without tasks passes on its dependencies').</summary>
        public Node[] Finishing = [];

        public string[]? DependsOn;

        /// <summary>
        /// From the rules inside the module: which tasks start it (nothing of its own before them), which finish it
        /// (nothing of its own after them), and a topological place for each; false on a cycle.
        /// </summary>
        public bool Arrange()
        {
            // By place in Listed, in arrays: with a dictionary, a set and a queue per module, arranging a first build's
            // 10,000 modules took 27-29 ms, 15-21 this way. Local holds that place until the order below writes the real one.
            var listed = Listed;
            var n = listed.Length;
            for (var k = 0; k < n; k++)
            {
                listed[k].Local = k;
            }

            Span<int> pending = n <= 64 ? stackalloc int[n] : new int[n];
            Span<bool> waitedFor = n <= 64 ? stackalloc bool[n] : new bool[n];
            for (var k = 0; k < n; k++)
            {
                var own = 0;
                foreach (var d in listed[k].RuleDeps)
                {
                    if (d.Owner == this)
                    {
                        own++;
                        if ((uint)d.Local < (uint)n && ReferenceEquals(listed[d.Local], d))
                        {
                            waitedFor[d.Local] = true;
                        }
                    }
                }

                listed[k].IsStart = own == 0;
                pending[k] = own;
            }

            var finishing = new List<Node>(n);
            for (var k = 0; k < n; k++)
            {
                if (!waitedFor[k])
                {
                    finishing.Add(listed[k]);
                }
            }

            finishing.Sort(static (a, b) => string.CompareOrdinal(a.Draft.Id, b.Draft.Id));
            OwnFinishing = [.. finishing];

            // Kahn's order, ready tasks first come first served, starts in the order the module lists them.
            Span<int> ready = n <= 64 ? stackalloc int[n] : new int[n];
            Span<int> places = n <= 64 ? stackalloc int[n] : new int[n];
            int head = 0, tail = 0, place = 0;
            for (var k = 0; k < n; k++)
            {
                if (listed[k].IsStart)
                {
                    ready[tail++] = k;
                }
            }

            while (head < tail)
            {
                var at = ready[head++];
                var node = listed[at];
                places[at] = place++;
                for (var o = 0; o < n; o++)
                {
                    if (pending[o] == 0)
                    {
                        continue;
                    }

                    var times = 0; // a rule listed twice is waited for twice
                    foreach (var d in listed[o].RuleDeps)
                    {
                        times += d == node ? 1 : 0;
                    }

                    if (times > 0 && (pending[o] -= times) == 0)
                    {
                        ready[tail++] = o;
                    }
                }
            }

            for (var k = 0; k < n; k++)
            {
                listed[k].Local = places[k];
            }

            return place == n;
        }
    }

    internal sealed class Node(Planner.Draft draft, ModuleState owner)
    {
        public Planner.Draft Draft = draft;
        public readonly ModuleState Owner = owner;
        public bool Alive = true;
        public bool New;
        public bool DraftChanged;
        public bool DepsChanged;
        public bool BatchChanged;
        public bool IsStart;
        public int Local;
        public int Stamp;
        public int Batch = -1;
        public int End;
        public Node? Via;
        public readonly List<Node> RuleDeps = [];
        public Node[] Deps = [];
        public readonly List<Node> Dependents = [];
        public bool EndChanged;
        public PlanTask? Task;
        public string[]? Factors;

        /// <summary>Where it sits in the kept execution order: the key it was sorted by, and whether it is there.</summary>
        public int SortBatch;
        public int SortPriority;
        public bool InOrder;
        public bool ById;

        /// <summary>Its place in the id order, written just before a large splice of the execution order reads it.</summary>
        public int IdRank;
    }
}
