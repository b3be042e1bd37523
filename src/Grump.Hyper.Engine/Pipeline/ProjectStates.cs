using Grump.Hyper.Compiler;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Engine.Pipeline;

/// <summary>What one project's last build left for its next: the finishing stages' memo and each source's module.</summary>
internal sealed class ProjectState
{
    public FinishMemo Finish { get; } = new();

    /// <summary>The project's key, hashing only the blocks of inputs that changed since the last build.</summary>
    public Caching.ProjectFingerprint Fingerprint { get; } = new();

    /// <summary>This state as the last build left it (see <see cref="FinishMemo.Mark"/>).</summary>
    public Marked Mark() => new(Finish.Mark(), _last);

    public void Rewind(Marked mark)
    {
        Finish.Rewind(mark.Finish);
        _last = mark.Last;
    }

    public sealed record Marked(object Finish, LastSources Last);

    private LastSources _last = new([], [], [], []);

    /// <summary>Each source of the last build (in path order, as a selection lists them) with its hash, vendor flag and module result.</summary>
    public SourceModule[] Modules => _last.Modules;

    /// <summary>
    /// The last build's module for source <paramref name="index"/> of this build, when its path, bytes and vendor
    /// flag are the same. Both builds list sources in path order, so an unchanged project finds each at its own
    /// position; a project with files added or removed before it finds it by binary search.
    /// </summary>
    public ModuleResult? Previous(int index, SourceFile file, bool vendor)
    {
        var last = _last;
        if (index < last.Files.Length && ReferenceEquals(last.Files[index], file))
        {
            return last.Vendors[index] == vendor ? last.Results[index] : null;
        }

        var at = index < Modules.Length && string.Equals(Modules[index].Path, file.Path, StringComparison.Ordinal) ? index : Find(file.Path);
        return at >= 0 && Modules[at].Vendor == vendor && Modules[at].Sha256 == file.Sha256 ? Modules[at].Result : null;
    }

    private int Find(string path)
    {
        int lo = 0, hi = Modules.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = string.CompareOrdinal(Modules[mid].Path, path);
            if (c == 0)
            {
                return mid;
            }

            (lo, hi) = c < 0 ? (mid + 1, hi) : (lo, mid - 1);
        }

        return -1;
    }

    /// <summary>
    /// The compile stage's step reasons against the last build: cached when the very same result came back
    /// (from the module cache), unchanged when recompiled from the same bytes, modified when the bytes
    /// changed, new or removed by path. Then this build becomes the last. Both lists are in path order, so
    /// they are walked side by side.
    /// </summary>
    public StepReasons CompileReasons(IReadOnlyList<SourceFile> sources, IReadOnlyList<ModuleResult> results, Func<int, bool> isVendor)
    {
        int added = 0, modified = 0, unchanged = 0, cached = 0, removed = 0;
        long bytes = 0;
        var last = _last;
        var modules = last.Modules;
        // Written through spans: an array store of a reference checks the stored object's type, a read of every
        // object (a cache miss each at 100,000 files) that a span's store does not make.
        var (next, files, kept, vendors) = (new SourceModule[sources.Count], new SourceFile[sources.Count], new ModuleResult[sources.Count], new bool[sources.Count]);
        var nextSpan = next.AsSpan();
        var filesSpan = files.AsSpan();
        var keptSpan = kept.AsSpan();
        // Whether the records come out in path order: checked for each pair but two of the last build's records taken in
        // a row at their own places (those are in its order, sorted already), so an edit reads the paths it touched only.
        var sorted = true;
        var keptBefore = false;
        var j = 0;
        for (var i = 0; i < sources.Count; i++)
        {
            var source = filesSpan[i] = sources[i];
            var result = keptSpan[i] = results[i];
            var vendor = vendors[i] = isVendor(i);
            if (j == i && j < modules.Length && ReferenceEquals(last.Files[j], source) && ReferenceEquals(last.Results[j], result) && last.Vendors[j] == vendor)
            {
                // The very same file and module at the same place: the last build's record, unread (an edit's usual case).
                cached++;
                nextSpan[i] = modules[j++];
                sorted = sorted && (keptBefore || Ordered(next, i));
                keptBefore = true;
                continue;
            }

            keptBefore = false;

            var path = source.Path;
            var sha = source.Sha256;
            while (j < modules.Length && string.CompareOrdinal(modules[j].Path, path) < 0)
            {
                removed++;
                j++;
            }

            if (j == modules.Length || !string.Equals(modules[j].Path, path, StringComparison.Ordinal))
            {
                added++;
            }
            else
            {
                var before = modules[j++];
                if (ReferenceEquals(before.Result, result))
                {
                    // The very same module for the same path: the last build's record serves again when nothing in it
                    // moved (at 100,000 files a new record per source was 100,000 allocations per build).
                    cached++;
                    nextSpan[i] = before.Sha256 == sha && before.Vendor == vendor ? before : new SourceModule(path, sha, vendor, result);
                    sorted = sorted && Ordered(next, i);
                    continue;
                }

                if (before.Sha256 == sha)
                {
                    unchanged++;
                }
                else
                {
                    modified++;
                }
            }

            nextSpan[i] = new SourceModule(path, sha, vendor, result);
            bytes += result.Rendered?.Length ?? 0;
            sorted = sorted && Ordered(next, i);
        }

        removed += modules.Length - j;
        if (!sorted)
        {
            // Sources come from a selection, which sorts them; anything else is looked up by path (the arrays beside
            // the records are then of no use by position, and left empty).
            Array.Sort(next, static (a, b) => string.CompareOrdinal(a.Path, b.Path));
            (files, kept, vendors) = ([], [], []);
        }

        _last = new LastSources(next, files, kept, vendors);
        return new StepReasons("compile", "module", added, modified, unchanged, cached, removed, bytes);
    }

    /// <summary>Whether the record at <paramref name="i"/> sorts after the one before it.</summary>
    private static bool Ordered(SourceModule[] next, int i) => i == 0 || string.CompareOrdinal(next[i - 1].Path, next[i].Path) <= 0;
}

/// <summary>
/// The last build's sources: a record per source in path order, and beside them, by position, the source file objects,
/// module results and vendor flags: a build handed the very same file at the same place (a selection keeps the objects
/// of unchanged files) is known to have its path and bytes without reading either, and finds its module without reading
/// the record. At 100,000 files each per-source walk that read them was a cache miss per source, a few ms each.
/// </summary>
internal sealed record LastSources(SourceModule[] Modules, SourceFile[] Files, ModuleResult[] Results, bool[] Vendors);

/// <summary>One source of a build: its path, hash, vendor flag and the module result the build used for it.</summary>
internal sealed record SourceModule(string Path, string Sha256, bool Vendor, ModuleResult Result);

/// <summary>
/// The last few projects' states (CI rebuilds the same few branches), each lent to one build at a time:
/// a build takes its project's state out and gives it back when done, so two concurrent builds of one
/// project never share a memo (the second simply starts without one).
/// </summary>
internal sealed class ProjectStates(int capacity = 8)
{
    private readonly LinkedList<(string Key, ProjectState State)> _idle = new();
    private readonly Lock _gate = new();

    public ProjectState Take(string key)
    {
        lock (_gate)
        {
            for (var node = _idle.First; node is not null; node = node.Next)
            {
                if (node.Value.Key == key)
                {
                    _idle.Remove(node);
                    return node.Value.State;
                }
            }
        }

        return new ProjectState();
    }

    public void Give(string key, ProjectState state)
    {
        lock (_gate)
        {
            _idle.AddFirst((key, state));
            while (_idle.Count > capacity)
            {
                _idle.RemoveLast();
            }
        }
    }
}
