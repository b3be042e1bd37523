namespace Grump.Hyper.Compiler.Planning;

/// <summary>A reference to one field of an entry, for a line slot written in place (see <see cref="PagedList{T}"/>).</summary>
internal delegate ref byte[]? LineSlot<T>(ref T entry);

/// <summary>
/// An immutable list kept in pages of at most <see cref="MaxPage"/> entries, shared between versions: a splice (entries
/// taken out, put in, replaced) makes a new list that copies only the pages it touches, plus its table of pages. The
/// planner keeps the execution and id orders this way, so a 10-file edit of 100,000 files (425,000 tasks) copies a few
/// pages instead of eight arrays of every task, each freshly zeroed by the kernel (a fifth of that edit's page faults).
/// </summary>
/// <remarks>
/// Pages stay far under the large-object threshold, so they are made in the young generation. The one write in place is a line slot (<see cref="LineSlot{T}"/>) filled with the rendering of the very
/// entry it sits in: every version that shares the page would render the same bytes there.
/// </remarks>
internal sealed class PagedList<T>
{
    /// <summary>
    /// Small pages, as an edit's tasks are spread through the order: a 10-file edit of 100,000 files touched 22-69 of 400
    /// pages of 1,024 entries, so a smaller page is copied for each of its few changes.
    /// </summary>
    internal const int MaxPage = 256;

    /// <summary>A page made shorter than this joins the page before it, so edits never leave a trail of small pages.</summary>
    private const int MinPage = MaxPage / 4;

    private readonly T[][] _pages;

    /// <summary>Where each page starts, and the count last.</summary>
    private readonly int[] _starts;

    public static PagedList<T> Empty { get; } = new([], [0]);

    private PagedList(T[][] pages, int[] starts) => (_pages, _starts) = (pages, starts);

    public int Count => _starts[^1];

    /// <summary>The pages in order, each full length (none is empty).</summary>
    public ReadOnlySpan<T[]> Pages => _pages;

    public ref T this[int index]
    {
        get
        {
            var p = PageOf(index);
            return ref _pages[p][index - _starts[p]];
        }
    }

    public static PagedList<T> Of(ReadOnlySpan<T> entries)
    {
        var pages = new List<T[]>((entries.Length / MaxPage) + 1);
        Cut(entries, pages);
        return Of(pages);
    }

    private static PagedList<T> Of(List<T[]> pages)
    {
        var starts = new int[pages.Count + 1];
        for (var p = 0; p < pages.Count; p++)
        {
            starts[p + 1] = starts[p] + pages[p].Length;
        }

        return new PagedList<T>([.. pages], starts);
    }

    private int PageOf(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        int lo = 0, hi = _pages.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >>> 1;
            if (_starts[mid] <= index)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return lo;
    }

    /// <summary>
    /// The first index whose entry sorts at or after <paramref name="key"/> (<paramref name="compare"/> of the key and an
    /// entry, as <see cref="IComparer{T}"/>); the entries must be sorted by it. Finds the page first, then the place in it.
    /// </summary>
    public int LowerBound<TKey>(in TKey key, Func<TKey, T, int> compare)
    {
        int lo = 0, hi = _pages.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (compare(key, _pages[mid][^1]) > 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        if (lo == _pages.Length)
        {
            return Count;
        }

        var page = _pages[lo];
        int a = 0, b = page.Length - 1; // the page's last entry sorts at or after the key
        while (a < b)
        {
            var mid = (a + b) >>> 1;
            if (compare(key, page[mid]) > 0)
            {
                a = mid + 1;
            }
            else
            {
                b = mid;
            }
        }

        return _starts[lo] + a;
    }

    /// <summary>
    /// This list with the entries at <paramref name="outs"/> taken out, <paramref name="sets"/> replaced and
    /// <paramref name="ins"/> put in, each before the entry at its index here (at <see cref="Count"/>: at the end), in
    /// the order given among equal indexes. All indexes are of this list, ascending. Pages no index falls in are shared.
    /// </summary>
    public PagedList<T> Splice(ReadOnlySpan<int> outs, ReadOnlySpan<(int At, T Entry)> ins, ReadOnlySpan<(int At, T Entry)> sets)
    {
        if (outs.IsEmpty && ins.IsEmpty && sets.IsEmpty)
        {
            return this;
        }

        var pages = new List<T[]>(_pages.Length + (ins.Length / MaxPage) + 2);
        var pending = new List<T>(2 * MaxPage); // entries of touched pages, cut into pages when enough have gathered
        int o = 0, n = 0, s = 0;
        for (var p = 0; p < _pages.Length; p++)
        {
            var (start, end, page) = (_starts[p], _starts[p + 1], _pages[p]);
            if ((o < outs.Length && outs[o] < end) || (n < ins.Length && ins[n].At < end) || (s < sets.Length && sets[s].At < end))
            {
                for (var i = start; i < end; i++)
                {
                    for (; n < ins.Length && ins[n].At == i; n++)
                    {
                        pending.Add(ins[n].Entry);
                    }

                    var taken = o < outs.Length && outs[o] == i;
                    o += taken ? 1 : 0;
                    if (s < sets.Length && sets[s].At == i)
                    {
                        if (!taken)
                        {
                            pending.Add(sets[s].Entry);
                        }

                        s++;
                    }
                    else if (!taken)
                    {
                        pending.Add(page[i - start]);
                    }
                }

                if (pending.Count >= MaxPage)
                {
                    Flush(pending, pages);
                }

                continue;
            }

            Flush(pending, pages);
            pages.Add(page);
        }

        for (; n < ins.Length; n++)
        {
            pending.Add(ins[n].Entry);
        }

        Flush(pending, pages);
        return Of(pages);
    }

    /// <summary>The pending entries as pages; too few for a page of their own go in with the page before them.</summary>
    private static void Flush(List<T> pending, List<T[]> pages)
    {
        if (pending.Count == 0)
        {
            return;
        }

        if (pending.Count < MinPage && pages.Count > 0 && pages[^1].Length + pending.Count <= 2 * MaxPage)
        {
            pending.InsertRange(0, pages[^1]);
            pages.RemoveAt(pages.Count - 1);
        }

        Cut(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending), pages);
        pending.Clear();
    }

    /// <summary>Entries as pages of even length, none longer than <see cref="MaxPage"/>.</summary>
    private static void Cut(ReadOnlySpan<T> entries, List<T[]> pages)
    {
        var count = (entries.Length + MaxPage - 1) / MaxPage;
        for (var k = 0; k < count; k++)
        {
            var from = (int)((long)entries.Length * k / count);
            var to = (int)((long)entries.Length * (k + 1) / count);
            pages.Add(entries[from..to].ToArray());
        }
    }

    /// <summary>
    /// Each entry's line in <paramref name="into"/> (from index 0), an empty slot first rendered and filled in place for
    /// the next build to find; side by side over the pages when <paramref name="parallel"/>. Returns how many were empty.
    /// </summary>
    public int Fill(byte[][] into, LineSlot<T> slot, Func<T, byte[]> render, bool parallel)
    {
        if (parallel)
        {
            var filled = 0;
            Parallel.For(0, _pages.Length, p => Interlocked.Add(ref filled, FillPage(p, into, slot, render)));
            return filled;
        }

        var empty = 0;
        for (var p = 0; p < _pages.Length; p++)
        {
            empty += FillPage(p, into, slot, render);
        }

        return empty;
    }

    /// <summary>How many line slots are empty.</summary>
    public int EmptySlots(LineSlot<T> slot)
    {
        var empty = 0;
        foreach (var page in _pages)
        {
            for (var i = 0; i < page.Length; i++)
            {
                empty += slot(ref page[i]) is null ? 1 : 0;
            }
        }

        return empty;
    }

    private int FillPage(int p, byte[][] into, LineSlot<T> slot, Func<T, byte[]> render) =>
        FillPage(p, into.AsSpan(_starts[p], _pages[p].Length), slot, render); // stores through a span skip the array's per-store type check

    /// <summary>Page <paramref name="p"/>'s lines into <paramref name="lines"/> (its length), an empty slot rendered and filled first; returns how many were empty.</summary>
    public int FillPage(int p, Span<byte[]> lines, LineSlot<T> slot, Func<T, byte[]> render)
    {
        var (page, empty) = (_pages[p], 0);
        for (var i = 0; i < page.Length; i++)
        {
            ref var line = ref slot(ref page[i]);
            if (line is null)
            {
                line = render(page[i]);
                empty++;
            }

            lines[i] = line;
        }

        return empty;
    }

    /// <summary>
    /// Whether entries <paramref name="aFrom"/>.. of <paramref name="a"/> and <paramref name="bFrom"/>.. of
    /// <paramref name="b"/> (two versions of a list) are the same by <paramref name="same"/>, walking both page by page:
    /// a stretch that lies in the very same page at the same place in both is equal without being read.
    /// </summary>
    public static bool SameRange(PagedList<T> a, int aFrom, PagedList<T> b, int bFrom, int count, Func<T, T, bool> same)
    {
        if (count <= 0)
        {
            return true;
        }

        var (pa, pb) = (a.PageOf(aFrom), b.PageOf(bFrom));
        var (oa, ob) = (aFrom - a._starts[pa], bFrom - b._starts[pb]);
        while (count > 0)
        {
            var (pageA, pageB) = (a._pages[pa], b._pages[pb]);
            var n = Math.Min(count, Math.Min(pageA.Length - oa, pageB.Length - ob));
            if (!ReferenceEquals(pageA, pageB) || oa != ob)
            {
                for (var i = 0; i < n; i++)
                {
                    if (!same(pageA[oa + i], pageB[ob + i]))
                    {
                        return false;
                    }
                }
            }

            (count, oa, ob) = (count - n, oa + n, ob + n);
            (pa, oa) = oa == pageA.Length ? (pa + 1, 0) : (pa, oa);
            (pb, ob) = ob == pageB.Length ? (pb + 1, 0) : (pb, ob);
        }

        return true;
    }

    /// <summary>Entries from..from+count in order, page by page.</summary>
    public RangeEnumerable Range(int from, int count) => new(this, from, count);

    public readonly struct RangeEnumerable(PagedList<T> list, int from, int count)
    {
        public RangeEnumerator GetEnumerator() => new(list, from, count);
    }

    public struct RangeEnumerator
    {
        private readonly PagedList<T> _list;
        private int _left;
        private int _page;
        private int _at;

        internal RangeEnumerator(PagedList<T> list, int from, int count)
        {
            (_list, _left) = (list, count);
            _page = count > 0 ? list.PageOf(from) : 0;
            _at = from - (count > 0 ? list._starts[_page] : 0) - 1;
        }

        public readonly ref T Current => ref _list._pages[_page][_at];

        public bool MoveNext()
        {
            if (_left-- <= 0)
            {
                return false;
            }

            if (++_at == _list._pages[_page].Length)
            {
                (_page, _at) = (_page + 1, 0);
            }

            return true;
        }
    }
}

/// <summary>A read-only list of one value of each entry of a paged list (or of a range of it), what a plan hands out.</summary>
internal sealed class PagedView<T, TValue>(PagedList<T> list, Func<T, TValue> value, int from, int count) : IReadOnlyList<TValue>
{
    public PagedView(PagedList<T> list, Func<T, TValue> value)
        : this(list, value, 0, list.Count)
    {
    }

    public int Count => count;

    /// <summary>The list and range it reads, for a caller to compare without reading.</summary>
    public PagedList<T> List => list;

    public int From => from;

    public TValue this[int index] => (uint)index < (uint)count ? value(list[from + index]) : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<TValue> GetEnumerator()
    {
        foreach (var entry in list.Range(from, count))
        {
            yield return value(entry);
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
