namespace Grump.Hyper.Compiler.Planning;

/// <summary>
/// Puts tasks in ordinal id order through their modules instead of comparing whole ids. A task id is its module's
/// id, ':' and its feature (<see cref="Planner.TaskId"/>), and no module id holds ':', so the first place two tasks of
/// different modules differ lies within their modules' ids and the ':' after them: every task of a module sorts
/// together, the modules in the order of their ids followed by ':', and a module's tasks by feature. Sorting the
/// tens of thousands of task ids of a first build whole was most of the time of the splice into the id order and a
/// tenth of the plan; this sorts the modules (a quarter as many) and then a handful of features per module.
/// </summary>
internal static class TaskIdOrder
{
    /// <summary>Two module ids compared as the ids of their tasks would be: each followed by ':'.</summary>
    public static int CompareModules(string a, string b)
    {
        var common = Math.Min(a.Length, b.Length);
        var compared = string.CompareOrdinal(a, 0, b, 0, common);
        if (compared != 0)
        {
            return compared;
        }

        var nextA = a.Length > common ? a[common] : ':';
        var nextB = b.Length > common ? b[common] : ':';
        return nextA.CompareTo(nextB);
    }

    /// <summary>
    /// The order that sorts tasks by their ids, as positions into the lists given; null where that takes comparing whole
    /// ids: a module id holding ':', two modules with one id, or one feature twice in a module.
    /// </summary>
    /// <param name="moduleOf">Per task, its module's number (below <paramref name="modules"/>); a module's tasks share it.</param>
    /// <param name="moduleIds">Per task, its module's id.</param>
    /// <param name="features">Per task, its feature.</param>
    /// <remarks>
    /// Module numbers in id order (a link's positions) make the module sort a pass: the order of ids followed by ':'
    /// differs from the ids' own only where an id is the start of others that go on with a character below ':' (a
    /// module <c>a</c> after <c>a-b</c> and <c>a0</c>), so an insertion sort moves a few modules a few places. Any
    /// other numbering is sorted in full.
    /// </remarks>
    public static int[]? Order(int[] moduleOf, int modules, string[] moduleIds, string[] features)
    {
        var tasks = moduleOf.Length;
        var count = new int[modules];
        var sample = new int[modules];
        for (var i = 0; i < tasks; i++)
        {
            if (count[moduleOf[i]]++ == 0)
            {
                sample[moduleOf[i]] = i;
            }
        }

        var order = new List<int>();
        for (var m = 0; m < modules; m++)
        {
            if (count[m] > 0)
            {
                if (moduleIds[sample[m]].Contains(':', StringComparison.Ordinal))
                {
                    return null;
                }

                order.Add(m);
            }
        }

        var ordered = order.ToArray();
        string Id(int m) => moduleIds[sample[m]];
        if (!InsertionSort(ordered, (a, b) => CompareModules(Id(a), Id(b)), maxMoves: 4 * ordered.Length + 64))
        {
            Array.Sort(ordered, (a, b) => CompareModules(Id(a), Id(b)));
        }

        for (var k = 1; k < ordered.Length; k++)
        {
            if (CompareModules(Id(ordered[k - 1]), Id(ordered[k])) == 0)
            {
                return null; // two modules with one id: their tasks' order is only what comparing whole ids makes of it
            }
        }

        // Each module's tasks in a run of their own, the runs in module order; then each run by feature.
        var start = new int[modules];
        var at = 0;
        foreach (var m in ordered)
        {
            start[m] = at;
            at += count[m];
        }

        var sorted = new int[tasks];
        for (var i = 0; i < tasks; i++)
        {
            sorted[start[moduleOf[i]]++] = i;
        }

        Comparison<int> byFeature = (a, b) => string.CompareOrdinal(features[a], features[b]);
        at = 0;
        foreach (var m in ordered)
        {
            var run = sorted.AsSpan(at, count[m]);
            if (run.Length > 1)
            {
                if (!InsertionSort(run, byFeature, maxMoves: 64))
                {
                    run.Sort(byFeature);
                }

                for (var k = 1; k < run.Length; k++)
                {
                    if (string.Equals(features[run[k - 1]], features[run[k]], StringComparison.Ordinal))
                    {
                        return null;
                    }
                }
            }

            at += run.Length;
        }

        return sorted;
    }

    /// <summary>Sorts in place by insertion, giving up (false, the same items in another order) after more than <paramref name="maxMoves"/> moves.</summary>
    private static bool InsertionSort(Span<int> items, Comparison<int> compare, int maxMoves)
    {
        var moves = 0;
        for (var i = 1; i < items.Length; i++)
        {
            var item = items[i];
            var j = i - 1;
            while (j >= 0 && compare(items[j], item) > 0)
            {
                if (++moves > maxMoves)
                {
                    items[j + 1] = item; // where the shifting got to: the span stays a permutation of what it held
                    return false;
                }

                items[j + 1] = items[j];
                j--;
            }

            items[j + 1] = item;
        }

        return true;
    }
}
