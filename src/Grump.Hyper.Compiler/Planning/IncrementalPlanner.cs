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

    // The execution order, with what the plan lists of each task alongside, so a build copies these arrays
    // instead of visiting every task object (at 50,000 tasks the visits, not the work, were the cost).
    private Node[] _order = [];
    private PlanTask[] _tasks = [];
    private string[] _ids = [];
    private int[] _batches = [];
    private int[] _ends = [];
    private int _risky;
    private int _moderate;
    private int _sequential;
    private string[]?[] _factors = [];
    private byte[]?[] _lines = [];
    private byte[]?[] _idLines = [];
    private Node[] _byId = [];
    private PlanTask[] _tasksById = [];
    private byte[]?[] _featureLines = [];
    private ImmutableArray<string>[] _batchIds = [];
    private byte[]?[] _batchLines = [];

    // The order, batches, finish times, risk factors and id order are the planner's own (a plan gets the tasks, ids
    // and lines), so they may be longer than the plan: the count is the tasks' (_tasks, _tasksById are exact). A
    // splice writes them into the arrays the build before left when those are long enough. A 10-file edit of 100,000
    // files filled five fresh arrays of 425,000 entries each here, every page faulted in and zeroed by the kernel first.
    private Node[] _spareOrder = [];
    private int[] _spareBatches = [];
    private int[] _spareEnds = [];
    private string[]?[] _spareFactors = [];
    private Node[] _spareById = [];

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
        _order = [];
        _tasks = [];
        _ids = [];
        _batches = [];
        _ends = [];
        (_risky, _moderate, _sequential) = (0, 0, 0);
        _factors = [];
        _lines = [];
        _idLines = [];
        _byId = [];
        (_spareOrder, _spareBatches, _spareEnds, _spareFactors, _spareById) = ([], [], [], [], []);
        _tasksById = [];
        _featureLines = [];
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
        var states = new ModuleState[n];
        for (var m = 0; m < n; m++)
        {
            if (!_modules.TryGetValue(modules[m].Id, out var st))
            {
                _modules[modules[m].Id] = st = new ModuleState();
                added++;
            }

            if (st.Seen == build)
            {
                return null; // a duplicate id (the linker reports it)
            }

            st.Seen = build;
            st.Index = m;
            states[m] = st;
        }

        var plans = new Planner.ModuleTasks[n];
        for (var m = 0; m < n; m++)
        {
            // The very module of the build before keeps its drafts without a lookup (most modules, most builds).
            plans[m] = ReferenceEquals(states[m].Module, modules[m]) ? states[m].Tasks! : drafts.TasksOf(modules[m], x => Planner.ModuleTasks.Of(x, rules));
        }

        var touched = new List<Node>();
        var reach = new Reach(n); // modules whose rules are resolved again
        (Added, Removed) = (added, _modules.Count - n);
        foreach (var (id, st) in Removed == 0 ? [] : _modules.Where(x => x.Value.Seen != build).ToList())
        {
            foreach (var node in st.Nodes.Values)
            {
                Kill(node, reach, build);
            }

            _modules.Remove(id);
        }

        // The modules whose drafted tasks changed: their nodes, kept by feature name so what waits on them keeps waiting.
        var changed = new List<int>();
        for (var m = 0; m < n; m++)
        {
            var st = states[m];
            if (ReferenceEquals(st.Tasks, plans[m]))
            {
                st.Module = modules[m];
                continue;
            }

            changed.Add(m);
            reach.Add(m);
            var tasks = plans[m];
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
                    Kill(node, reach, build);
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
            var finishing = st.Listed.Length > 0 ? st.OwnFinishing : SortedUnion(graph.Edges[m].Select(d => states[d].Finishing));
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
                var deps = node.IsStart ? waits : SortedUnion([[.. Reduction.Direct([.. node.RuleDeps], x => x.RuleDeps)]]);
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
            string[] factors = [.. d.Tools.Where(rules.RiskFactors.ContainsKey).Select(tool => rules.RiskFactors[tool])];
            node.Factors = factors.Length > 0 ? factors : null;
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

    /// <summary>The execution order's key with the id as its rank in id order: the same order as <see cref="CompareExecution"/>, compared as ints.</summary>
    private readonly record struct ExecutionKey(int Batch, int Priority, int IdRank) : IComparable<ExecutionKey>
    {
        public int CompareTo(ExecutionKey other) =>
            Batch != other.Batch ? Batch.CompareTo(other.Batch) : Priority != other.Priority ? Priority.CompareTo(other.Priority) : IdRank.CompareTo(other.IdRank);
    }

    private static Node[] Waits(Graph graph, ModuleState[] states, int m)
    {
        var waits = SortedUnion(graph.Edges[m].Select(d => states[d].Finishing));
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
                if (node.Alive && ReferenceEquals(_tasks[p], node.Task) && _lines[p] is { } line)
                {
                    keptLines[node] = line; // moved for its finish time only: the same task, the same line
                }
            }
        }

        outs.Sort();
        foreach (var p in outs)
        {
            Count(_tasks[p], -1);
        }

        var ins = moved.ToArray();
        if (ins.Length >= RankSortFrom)
        {
            // Every task is in the id order already (spliced first): its place there is its id's rank.
            for (var i = 0; i < _tasksById.Length; i++)
            {
                _byId[i].IdRank = i;
            }

            var keys = new ExecutionKey[ins.Length];
            for (var i = 0; i < ins.Length; i++)
            {
                keys[i] = new ExecutionKey(ins[i].Batch, ins[i].Draft.Priority, ins[i].IdRank);
            }

            Array.Sort(keys, ins);
        }
        else
        {
            Array.Sort(ins, CompareExecution);
        }

        var at = new int[ins.Length];
        for (var i = 0; i < ins.Length; i++)
        {
            at[i] = PositionInOrder(ins[i].Batch, ins[i].Draft.Priority, ins[i].Draft.Id);
        }

        var t = _tasks.Length - outs.Count + ins.Length;
        var order = Spare(ref _spareOrder, t);
        var tasks = new PlanTask[t];
        var ids = new string[t];
        var batches = Spare(ref _spareBatches, t);
        var ends = Spare(ref _spareEnds, t);
        var factors = Spare(ref _spareFactors, t);
        var lines = new byte[]?[t];
        var idLines = new byte[]?[t];
        int k = 0, o = 0, from = 0;
        void CopyKept(int until)
        {
            // Old positions from..until, less the ones taken out.
            while (from < until)
            {
                var stop = o < outs.Count && outs[o] < until ? outs[o] : until;
                var length = stop - from;
                Array.Copy(_order, from, order, k, length);
                Array.Copy(_tasks, from, tasks, k, length);
                Array.Copy(_ids, from, ids, k, length);
                Array.Copy(_batches, from, batches, k, length);
                Array.Copy(_ends, from, ends, k, length);
                Array.Copy(_factors, from, factors, k, length);
                Array.Copy(_lines, from, lines, k, length);
                Array.Copy(_idLines, from, idLines, k, length);
                k += length;
                from = stop;
                if (o < outs.Count && outs[o] == from)
                {
                    from++;
                    o++;
                }
            }
        }

        for (var i = 0; i < ins.Length; i++)
        {
            CopyKept(at[i]);
            var node = ins[i];
            (order[k], tasks[k], ids[k], batches[k], ends[k], factors[k], lines[k]) = (node, node.Task!, node.Draft.Id, node.Batch, node.End, node.Factors, keptLines.GetValueOrDefault(node));
            Count(node.Task!, +1);
            (node.SortBatch, node.SortPriority, node.InOrder) = (node.Batch, node.Draft.Priority, true);
            k++;
        }

        CopyKept(_tasks.Length);
        (_spareOrder, _spareBatches, _spareEnds, _spareFactors) = (_order, _batches, _ends, _factors);
        (_order, _tasks, _ids, _batches, _ends, _factors, _lines, _idLines) = (order, tasks, ids, batches, ends, factors, lines, idLines);
    }

    /// <summary>
    /// The spare when it is long enough (entries up to <paramref name="length"/> are all written again, and those past
    /// it are never read) and not far longer (a project that shrank does not keep arrays its old size), else a new
    /// array with room to grow; the spare is taken either way.
    /// </summary>
    private static T[] Spare<T>(ref T[] spare, int length)
    {
        var array = spare.Length >= length && spare.Length <= (2 * length) + 1024 ? spare : new T[length + (length >> 6)];
        spare = [];
        return array;
    }

    /// <summary>The plan's totals, kept as tasks come and go (a task's risk is one of three literals).</summary>
    private void Count(PlanTask task, int sign)
    {
        _risky += task.Risk == "risky" ? sign : 0;
        _moderate += task.Risk == "moderate" ? sign : 0;
        _sequential += task.EstimatedSeconds * sign;
    }

    /// <summary>The first position in the kept order whose task sorts at or after the given key (an exact hit for a kept task's own key).</summary>
    private int PositionInOrder(int batch, int priority, string id)
    {
        int lo = 0, hi = _tasks.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            var entry = _order[mid];
            var c = batch != entry.SortBatch ? batch.CompareTo(entry.SortBatch) : priority != entry.SortPriority ? priority.CompareTo(entry.SortPriority) : string.CompareOrdinal(id, entry.Draft.Id);
            if (c > 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>The id order: killed tasks out, new ones in, and the task made again set at its place.</summary>
    private void SpliceById(List<Node> moved)
    {
        var count = _tasksById.Length;
        var outs = _killed.Where(x => x.ById).Select(x => PositionById(_byId, count, x.Draft.Id)).Order().ToList();
        var ins = moved.Where(x => !x.ById).ToArray();
        Array.Sort(ins, CompareId);
        var t = count - outs.Count + ins.Length;
        var same = outs.Count == 0 && ins.Length == 0; // no task came or went: the id order is the same nodes
        var byId = same ? _byId : Spare(ref _spareById, t);
        var tasks = new PlanTask[t];
        var lines = new byte[]?[t];
        int k = 0, o = 0, from = 0;
        void CopyKept(int until)
        {
            while (from < until)
            {
                var stop = o < outs.Count && outs[o] < until ? outs[o] : until;
                if (!same)
                {
                    Array.Copy(_byId, from, byId, k, stop - from);
                }

                Array.Copy(_tasksById, from, tasks, k, stop - from);
                Array.Copy(_featureLines, from, lines, k, stop - from);
                k += stop - from;
                from = stop;
                if (o < outs.Count && outs[o] == from)
                {
                    from++;
                    o++;
                }
            }
        }

        foreach (var node in ins)
        {
            CopyKept(PositionById(_byId, count, node.Draft.Id));
            (byId[k], tasks[k]) = (node, node.Task!);
            node.ById = true;
            k++;
        }

        CopyKept(count);
        foreach (var node in moved)
        {
            if (node.New)
            {
                continue; // put in above, with its task
            }

            var at = PositionById(byId, t, node.Draft.Id);
            if (!ReferenceEquals(tasks[at], node.Task))
            {
                (tasks[at], lines[at]) = (node.Task!, null);
            }
        }

        if (!same)
        {
            _spareById = _byId;
        }

        (_byId, _tasksById, _featureLines) = (byId, tasks, lines);
    }

    private static int PositionById(Node[] byId, int count, string id)
    {
        int lo = 0, hi = count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (string.CompareOrdinal(id, byId[mid].Draft.Id) > 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private Plan Output()
    {
        var t = _tasks.Length;
        var batches = ImmutableArray.CreateBuilder<ImmutableArray<string>>();
        var batchLines = new List<byte[]?>();
        var factors = new List<string>();
        var seenFactors = new HashSet<string>(StringComparer.Ordinal);
        int risky = _risky, moderate = _moderate, from = 0, last = -1;
        for (var i = 0; i < t; i++)
        {
            if (_factors[i] is { } listed)
            {
                foreach (var factor in listed)
                {
                    if (seenFactors.Add(factor))
                    {
                        factors.Add(factor);
                    }
                }
            }

            if (i + 1 == t || _batches[i + 1] != _batches[i])
            {
                // A batch listing the same tasks as the build before is the same array, and keeps its line.
                var b = batches.Count;
                var ids = _ids.AsSpan(from, i + 1 - from);
                var same = b < _batchIds.Length && ids.SequenceEqual(_batchIds[b].AsSpan(), ReferenceEqualityComparer.Instance);
                batches.Add(same ? _batchIds[b] : [.. ids]);
                batchLines.Add(same ? _batchLines[b] : null);
                from = i + 1;
            }

            // The latest finish; on a tie the smallest id.
            if (last < 0 || _ends[i] > _ends[last] || (_ends[i] == _ends[last] && string.CompareOrdinal(_ids[i], _ids[last]) < 0))
            {
                last = i;
            }
        }

        var path = new List<string>();
        for (var at = last < 0 ? null : _order[last]; at is not null; at = at.Via)
        {
            path.Add(at.Draft.Id);
        }

        path.Reverse();
        var critical = new CriticalPath([.. path], last < 0 ? 0 : _ends[last]);
        var level = risky > 0 ? "risky" : moderate > 0 ? "moderate" : "safe";
        var risk = new RiskSummary(level, t - risky - moderate, moderate, risky, [.. factors], risky == 0 && moderate == 0);
        _batchIds = [.. batches];
        _batchLines = [.. batchLines];
        // The order and id arrays are handed out as they are, not copied: every build that changes them makes new
        // ones (the splices), so an array a plan holds is never written again.
        return new Plan(ImmutableCollectionsMarshal.AsImmutableArray(_tasks), ImmutableCollectionsMarshal.AsImmutableArray(_ids), batches.ToImmutable(), critical, critical.EstimatedSeconds, _sequential, risk)
        {
            TasksById = ImmutableCollectionsMarshal.AsImmutableArray(_tasksById),
            Lines = new PlanLines(_lines, _featureLines, _batchLines, _idLines), // the planner's own arrays: what the emitter renders into them, the next build keeps
        };
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

    /// <summary>A task that is gone: out of its dependencies' dependents; what waited on it is planned again.</summary>
    private void Kill(Node node, Reach reach, int build)
    {
        node.Alive = false;
        _killed.Add(node);
        foreach (var d in node.Deps)
        {
            d.Dependents.Remove(node);
        }

        foreach (var dependent in node.Dependents)
        {
            if (dependent.Owner.Seen == build)
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

    /// <summary>Distinct nodes in id order.</summary>
    private static Node[] SortedUnion(IEnumerable<Node[]> parts)
    {
        var all = new List<Node>();
        foreach (var part in parts)
        {
            all.AddRange(part);
        }

        if (all.Count < 2)
        {
            return [.. all];
        }

        all.Sort(CompareId);
        var distinct = new List<Node>(all.Count) { all[0] };
        for (var i = 1; i < all.Count; i++)
        {
            if (!ReferenceEquals(all[i], all[i - 1]))
            {
                distinct.Add(all[i]);
            }
        }

        return [.. distinct];
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

    private sealed class ModuleState
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

    private sealed class Node(Planner.Draft draft, ModuleState owner)
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
