namespace Grump.Hyper.Compiler.Planning;

/// <summary>
/// What the plan's <c>dependsOn</c> keeps: the transitive reduction, the waits no other wait of the same task
/// already implies. On an acyclic project the task graph's shape makes that a module-level question plus a
/// small in-module one, never a search over tasks:
/// <list type="bullet">
/// <item>every task of a module reaches one of its first tasks, and a first task waits for every finishing
/// task of the modules below it (through modules without tasks), which between them reach every task of
/// those modules; so a task reaches every task of every module its module depends on, transitively;</item>
/// <item>hence a rule resolved in another module is always implied (by the first task's waits, or by the
/// rule inside the module that leads there), and so is a finishing task of a module that another waited-for
/// module depends on: a first task keeps the finishing tasks of the modules no other of its modules reaches;</item>
/// <item>a rule inside the module is kept unless another rule of the same task leads to it inside the module.</item>
/// </list>
/// Batches and the critical path come out the same from either edge set (an implied wait always finishes
/// strictly earlier than the wait that implies it), so only the listing changes. A project whose depends or
/// rules form a cycle keeps every wait: a reduction of a cycle is not unique.
/// </summary>
internal static class Reduction
{
    /// <summary>
    /// The in-module waits of one task that no other of them leads to. <paramref name="within"/> gives a task's
    /// own waits inside the module; modules hold a handful of tasks, so a walk per pair costs nothing.
    /// </summary>
    public static List<T> Direct<T>(List<T> waits, Func<T, IEnumerable<T>> within)
        where T : notnull
    {
        if (waits.Count < 2)
        {
            return waits;
        }

        var kept = new List<T>(waits.Count);
        foreach (var target in waits)
        {
            if (!waits.Exists(other => !EqualityComparer<T>.Default.Equals(other, target) && Leads(other, target, within)))
            {
                kept.Add(target);
            }
        }

        return kept;
    }

    private static bool Leads<T>(T from, T to, Func<T, IEnumerable<T>> within)
        where T : notnull
    {
        var seen = new HashSet<T>();
        var stack = new Stack<T>();
        stack.Push(from);
        while (stack.TryPop(out var at))
        {
            foreach (var next in within(at))
            {
                if (EqualityComparer<T>.Default.Equals(next, to))
                {
                    return true;
                }

                if (seen.Add(next))
                {
                    stack.Push(next);
                }
            }
        }

        return false;
    }
}

/// <summary>
/// Reachability in an acyclic module graph (edges point at dependencies), answered from a depth-first
/// numbering: a module can only reach modules numbered inside its reach interval (so most misses cost a
/// comparison), a module inside its spanning subtree is reached (so most hits do too), and only what is
/// left walks the graph, pruned by the same intervals. Built once per set of edges.
/// </summary>
internal sealed class ModuleReach
{
    private readonly int[][] _edges;
    private readonly int[] _post;
    private readonly int[] _low;
    private readonly int[] _treeLow;
    private readonly int[] _seen;
    private readonly Stack<int> _stack = new();
    private int _epoch;

    private ModuleReach(int[][] edges, int[] post, int[] low, int[] treeLow)
    {
        (_edges, _post, _low, _treeLow) = (edges, post, low, treeLow);
        _seen = new int[edges.Length];
    }

    /// <summary>The index of a graph, or null when its edges form a cycle.</summary>
    public static ModuleReach? Of(int[][] edges)
    {
        var n = edges.Length;
        var post = new int[n];
        var low = new int[n];
        var treeLow = new int[n];
        var state = new byte[n]; // 0 unseen, 1 on the walk, 2 numbered
        var stack = new Stack<(int Module, int Next)>();
        var number = 0;
        for (var root = 0; root < n; root++)
        {
            if (state[root] != 0)
            {
                continue;
            }

            state[root] = 1;
            treeLow[root] = int.MaxValue;
            stack.Push((root, 0));
            while (stack.TryPop(out var frame))
            {
                var (m, next) = frame;
                if (next < edges[m].Length)
                {
                    stack.Push((m, next + 1));
                    var d = edges[m][next];
                    if (state[d] == 1)
                    {
                        return null;
                    }

                    if (state[d] == 0)
                    {
                        state[d] = 1;
                        treeLow[d] = int.MaxValue;
                        stack.Push((d, 0));
                    }

                    continue;
                }

                // Every dependency is numbered before the module (it is acyclic), so its intervals are final.
                post[m] = number++;
                state[m] = 2;
                var reach = post[m];
                foreach (var d in edges[m])
                {
                    reach = Math.Min(reach, low[d]);
                }

                low[m] = reach;
                treeLow[m] = Math.Min(treeLow[m], post[m]);
                if (stack.TryPeek(out var parent))
                {
                    treeLow[parent.Module] = Math.Min(treeLow[parent.Module], treeLow[m]);
                }
            }
        }

        return new ModuleReach(edges, post, low, treeLow);
    }

    /// <summary>Whether <paramref name="to"/> is among the modules <paramref name="from"/> depends on, transitively (never itself).</summary>
    public bool Reaches(int from, int to)
    {
        var target = _post[to];
        if (!Within(from, target))
        {
            return false;
        }

        if (target >= _treeLow[from])
        {
            return true;
        }

        _epoch++;
        _stack.Clear();
        _stack.Push(from);
        while (_stack.TryPop(out var at))
        {
            foreach (var d in _edges[at])
            {
                if (d == to || (Within(d, target) && target >= _treeLow[d]))
                {
                    return true;
                }

                if (_seen[d] != _epoch && Within(d, target))
                {
                    _seen[d] = _epoch;
                    _stack.Push(d);
                }
            }
        }

        return false;
    }

    /// <summary>The modules of the list that no other module of the list reaches, in list order.</summary>
    public List<int> Reduce(List<int> modules)
    {
        if (modules.Count < 2)
        {
            return modules;
        }

        var kept = new List<int>(modules.Count);
        foreach (var m in modules)
        {
            if (!modules.Exists(other => other != m && Reaches(other, m)))
            {
                kept.Add(m);
            }
        }

        return kept;
    }

    // A module numbered outside [low, post) of another cannot be below it; post itself is the module.
    private bool Within(int from, int target) => target < _post[from] && target >= _low[from];
}
