using System.Collections;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>The files of one compile, by '/'-separated path, always listed in ordinal path order.</summary>
/// <remarks>
/// Held as two arrays sorted by path, sorted once when first read after adds: a build adds about ten
/// thousand files and reads them in order, and a balanced tree spent more on its nodes than the build on
/// the files. A lookup is a binary search. Adding the same path twice is an error, found when sorted.
/// A finished build's set is frozen and shared as it is (the memo, the project cache, the result), never
/// copied: the one file the engine adds after the build, metrics.json, is an entry beside the shared arrays
/// (<see cref="With(string, ArtifactContent)"/>). At 100,000 files each copy was two arrays of 110,000
/// references, fresh pages the kernel zeroes, a tenth of a 10-file edit.
/// </remarks>
public sealed class ArtifactSet : IReadOnlyCollection<KeyValuePair<string, ArtifactContent>>
{
    public const string Manifest = "manifest.json";
    public const string Diagnostics = "diagnostics.json";
    public const string Metrics = "metrics.json";
    public const string Plan = "plan.json";
    public const string Graph = "graph.json";

    private readonly Lock _sorting = new();
    private string[] _paths;
    private ArtifactContent[] _contents;
    private int _count;
    private volatile bool _sorted = true;

    /// <summary>Whether the arrays are shared with another set (or a memo): then nothing may change them.</summary>
    private bool _frozen;

    /// <summary>One entry beside the arrays, at its sorted place among them (see <see cref="With(string, ArtifactContent)"/>).</summary>
    private readonly (int At, string Path, ArtifactContent Content)? _extra;

    /// <summary>
    /// The build's modules (in link order) and chunks that the set was emitted from, which the next build compares its
    /// own with by position to find what changed (see <see cref="Splice"/>): the set is kept by the project's memo, so
    /// this is what made exactly that set, whatever the memo was rewound to.
    /// </summary>
    internal (Modules.CompiledModule[] Modules, Splitting.Chunk[] Chunks)? Origin { get; set; }

    /// <summary>
    /// A spliced set's changes against the set it was spliced from, until the comparison with the build before
    /// (<see cref="Incremental.ArtifactReasons"/>) reads them and lets go (they hold that set).
    /// </summary>
    internal (ArtifactSet From, List<SpliceChange> Changes)? Spliced { get; set; }

    public ArtifactSet()
        : this(16)
    {
    }

    /// <param name="capacity">How many artifacts are coming (a build knows): the arrays are not grown by doubling.</param>
    public ArtifactSet(int capacity)
        : this(new string[Math.Max(1, capacity)], new ArtifactContent[Math.Max(1, capacity)], 0)
    {
    }

    private ArtifactSet(string[] paths, ArtifactContent[] contents, int count, (int, string, ArtifactContent)? extra = null, bool frozen = false)
    {
        _paths = paths;
        _contents = contents;
        _count = count;
        _extra = extra;
        _frozen = frozen || extra is not null;
    }

    public int Count => _count + (_extra is null ? 0 : 1);

    public long TotalBytes
    {
        get
        {
            long total = _extra?.Content.Length ?? 0;
            for (var i = 0; i < _count; i++)
            {
                total += _contents[i].Length;
            }

            return total;
        }
    }

    /// <summary>The bytes of one artifact as an array (a copy for a chunk, which is held as parts).</summary>
    public byte[] this[string path] => TryGet(path, out var content) ? content.ToArray() : throw new KeyNotFoundException($"No artifact '{path}'.");

    public void Add(string path, byte[] content) => Add(path, ArtifactContent.Of(content));

    public void Add(string path, ArtifactContent content)
    {
        ArgumentNullException.ThrowIfNull(path);
        ThrowIfFrozen();
        if (_count == _paths.Length)
        {
            Array.Resize(ref _paths, _count * 2);
            Array.Resize(ref _contents, _count * 2);
        }

        if (_count > 0 && string.CompareOrdinal(_paths[_count - 1], path) >= 0)
        {
            _sorted = false;
        }

        _paths[_count] = path;
        _contents[_count++] = content;
    }

    public void Set(string path, byte[] content) => Set(path, ArtifactContent.Of(content));

    public void Set(string path, ArtifactContent content)
    {
        ThrowIfFrozen();
        var at = Find(path);
        if (at >= 0)
        {
            _contents[at] = content;
        }
        else
        {
            Add(path, content);
        }
    }

    /// <summary>
    /// A set of the same (immutable) values but one path: the shared arrays themselves when the path is the entry
    /// <see cref="With(string, ArtifactContent)"/> put beside them, else a copy that may be added to.
    /// </summary>
    public ArtifactSet Without(string path)
    {
        if (_extra is { } extra && string.Equals(extra.Path, path, StringComparison.Ordinal))
        {
            return new ArtifactSet(_paths, _contents, _count, frozen: true);
        }

        var copy = Snapshot();
        var at = copy.Find(path);
        if (at >= 0)
        {
            Array.Copy(copy._paths, at + 1, copy._paths, at, copy._count - at - 1);
            Array.Copy(copy._contents, at + 1, copy._contents, at, copy._count - at - 1);
            copy._count--;
        }

        return copy;
    }

    /// <summary>
    /// This set and one more artifact, sharing this set's arrays (which stay as they are from then on): how the engine
    /// adds metrics.json to a finished build without copying 110,000 entries at 100,000 files. A path the set holds
    /// already, or a set that has its one entry beside it already, is copied instead.
    /// </summary>
    public ArtifactSet With(string path, ArtifactContent content)
    {
        ArgumentNullException.ThrowIfNull(path);
        EnsureSorted();
        var at = Find(path);
        if (_extra is not null || at >= 0)
        {
            var copy = Snapshot();
            copy.Set(path, content);
            return copy;
        }

        _frozen = true;
        return new ArtifactSet(_paths, _contents, _count, (Place(path), path, content));
    }

    /// <summary>Marks the set as shared: from here on it is read only (see <see cref="ThrowIfFrozen"/>).</summary>
    internal ArtifactSet Freeze()
    {
        EnsureSorted();
        _frozen = true;
        return this;
    }

    public bool TryGet(string path, out ArtifactContent content)
    {
        if (_extra is { } extra && string.Equals(extra.Path, path, StringComparison.Ordinal))
        {
            content = extra.Content;
            return true;
        }

        var at = Find(path);
        content = at >= 0 ? _contents[at] : null!;
        return at >= 0;
    }

    public IEnumerator<KeyValuePair<string, ArtifactContent>> GetEnumerator()
    {
        EnsureSorted();
        for (var i = 0; i < Count; i++)
        {
            yield return KeyValuePair.Create(PathAt(i), ContentAt(i));
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>A copy of the set as it is now (the arrays, not the values), which may be changed.</summary>
    internal ArtifactSet Snapshot()
    {
        EnsureSorted();
        // One entry of room: a copy is made to add an artifact to, and an exact one doubled both arrays for it.
        var count = Count;
        var (paths, contents) = (new string[count + 1], new ArtifactContent[count + 1]);
        if (_extra is { } extra)
        {
            Array.Copy(_paths, paths, extra.At);
            Array.Copy(_contents, contents, extra.At);
            (paths[extra.At], contents[extra.At]) = (extra.Path, extra.Content);
            Array.Copy(_paths, extra.At, paths, extra.At + 1, _count - extra.At);
            Array.Copy(_contents, extra.At, contents, extra.At + 1, _count - extra.At);
        }
        else
        {
            Array.Copy(_paths, paths, _count);
            Array.Copy(_contents, contents, _count);
        }

        return new ArtifactSet(paths, contents, count);
    }

    internal string PathAt(int i) => _extra is { } extra && i >= extra.At ? (i == extra.At ? extra.Path : _paths[i - 1]) : _paths[i];

    internal ArtifactContent ContentAt(int i) => _extra is { } extra && i >= extra.At ? (i == extra.At ? extra.Content : _contents[i - 1]) : _contents[i];

    /// <summary>Puts another value for the same path in place (the set stays sorted).</summary>
    internal void ReplaceAt(int i, ArtifactContent content)
    {
        ThrowIfFrozen();
        _contents[i] = content;
    }

    private void ThrowIfFrozen()
    {
        if (_frozen)
        {
            throw new InvalidOperationException("This artifact set is shared and read only: add to a copy (Without, Snapshot) or use With.");
        }
    }

    /// <summary>
    /// A set made from a frozen one and the paths that changed: the runs of unchanged entries between them copied whole.
    /// An edit of 10 files in 100,000 added all 110,000 paths to a new set, each compared with the one before it (the
    /// paths' characters are cache misses at that size), and then walked both sets side by side to find what it had
    /// changed. Each change is a path with its new value, or with none to remove it; the set keeps each change with
    /// the value it replaced (<see cref="Spliced"/>), so the comparison with the build before reads those alone.
    /// </summary>
    internal static ArtifactSet Splice(ArtifactSet from, List<(string Path, ArtifactContent? Now)> changes)
    {
        if (from._extra is not null)
        {
            throw new InvalidOperationException("Splice a build's own set, not one with an entry beside it.");
        }

        from.EnsureSorted();
        // In path order; a removal before a value for the same path (a chunk made again under the same name).
        changes.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path) is var c and not 0 ? c : (a.Now is null ? 0 : 1) - (b.Now is null ? 0 : 1));
        var capacity = Math.Max(1, from._count + changes.Count);
        var (paths, contents) = (new string[capacity], new ArtifactContent[capacity]);
        var log = new List<SpliceChange>(changes.Count);
        int j = 0, k = 0;
        string? last = null;
        foreach (var (path, now) in changes)
        {
            var found = from.Search(path, j);
            var at = found >= 0 ? found : ~found;
            Array.Copy(from._paths, j, paths, k, at - j);
            Array.Copy(from._contents, j, contents, k, at - j);
            (k, j) = (k + at - j, found >= 0 ? at + 1 : at);
            var was = found >= 0 ? from._contents[found] : null;
            if (now is null)
            {
                if (was is not null)
                {
                    log.Add(new SpliceChange(path, was, null, -1));
                }

                continue;
            }

            if (string.Equals(last, path, StringComparison.Ordinal))
            {
                throw new ArgumentException($"An artifact with the path '{path}' was added twice.");
            }

            if (was is null && log.Count > 0 && log[^1] is { Now: null } removed && string.Equals(removed.Path, path, StringComparison.Ordinal))
            {
                // Removed and given a value again: one change, from the value it had.
                was = removed.Was;
                log.RemoveAt(log.Count - 1);
            }

            last = path;
            (paths[k], contents[k]) = (path, now);
            log.Add(new SpliceChange(path, was, now, k++));
        }

        Array.Copy(from._paths, j, paths, k, from._count - j);
        Array.Copy(from._contents, j, contents, k, from._count - j);
        k += from._count - j;
        return new ArtifactSet(paths, contents, k) { Spliced = (from, log) };
    }

    /// <summary>The sorted position of a path, or -1.</summary>
    private int Find(string path)
    {
        EnsureSorted();
        return Search(path) is var at and >= 0 ? at : -1;
    }

    /// <summary>Where a path not in the arrays goes among them (it must not be there).</summary>
    private int Place(string path) => ~Search(path);

    /// <summary>A binary search of the (sorted) arrays from <paramref name="lo"/> on: the path's position, or the complement of where it would go.</summary>
    private int Search(string path, int lo = 0)
    {
        var hi = _count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = string.CompareOrdinal(_paths[mid], path);
            if (c == 0)
            {
                return mid;
            }

            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return ~lo;
    }

    /// <summary>Sorts after out-of-order adds; readers on several threads may arrive here at once, so one sorts.</summary>
    internal void EnsureSorted()
    {
        if (_sorted)
        {
            return;
        }

        lock (_sorting)
        {
            if (_sorted)
            {
                return;
            }

            MergeRuns();
            for (var i = 1; i < _count; i++)
            {
                if (string.Equals(_paths[i - 1], _paths[i], StringComparison.Ordinal))
                {
                    throw new ArgumentException($"An artifact with the path '{_paths[i]}' was added twice.");
                }
            }

            _sorted = true;
        }
    }

    /// <summary>
    /// Sorts by merging the ascending runs the adds came in: a build adds its modules, its chunks and its documents
    /// each in order, so a few runs merge in a pass or two where a general sort of 11,000 paths compares
    /// n log n times. Many runs (adds in no order) go to the general sort.
    /// </summary>
    private void MergeRuns()
    {
        var starts = new List<int> { 0 };
        for (var i = 1; i < _count; i++)
        {
            if (string.CompareOrdinal(_paths[i - 1], _paths[i]) > 0)
            {
                starts.Add(i);
                if (starts.Count > 64)
                {
                    Array.Sort(_paths, _contents, 0, _count, StringComparer.Ordinal);
                    return;
                }
            }
        }

        if (starts.Count == 1)
        {
            return;
        }

        starts.Add(_count);
        var paths = new string[_paths.Length];
        var contents = new ArtifactContent[_contents.Length];
        while (starts.Count > 2)
        {
            // Each pair of neighbouring runs into one, from the current arrays into the others.
            var merged = new List<int>((starts.Count / 2) + 2);
            for (var r = 0; r + 1 < starts.Count; r += 2)
            {
                var (lo, mid, hi) = (starts[r], starts[r + 1], r + 2 < starts.Count ? starts[r + 2] : starts[r + 1]);
                int a = lo, b = mid, k = lo;
                while (a < mid || b < hi)
                {
                    var fromA = b >= hi || (a < mid && string.CompareOrdinal(_paths[a], _paths[b]) <= 0);
                    var from = fromA ? a++ : b++;
                    (paths[k], contents[k]) = (_paths[from], _contents[from]);
                    k++;
                }

                merged.Add(lo);
            }

            merged.Add(_count);
            (_paths, paths) = (paths, _paths);
            (_contents, contents) = (contents, _contents);
            starts = merged;
        }
    }
}

/// <summary>One path a spliced set changed: the value it had (none when new), its value now (none when removed) and its place.</summary>
internal sealed record SpliceChange(string Path, ArtifactContent? Was, ArtifactContent? Now, int At);
