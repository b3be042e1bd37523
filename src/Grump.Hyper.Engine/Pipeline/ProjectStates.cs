using Grump.Hyper.Compiler;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Engine.Pipeline;

/// <summary>What one project's last build left for its next: the finishing stages' memo and each source's module.</summary>
internal sealed class ProjectState
{
    public FinishMemo Finish { get; } = new();

    /// <summary>This state as the last build left it (see <see cref="FinishMemo.Mark"/>).</summary>
    public Marked Mark() => new(Finish.Mark(), Modules);

    public void Rewind(Marked mark)
    {
        Finish.Rewind(mark.Finish);
        Modules = mark.Modules;
    }

    public sealed record Marked(object Finish, Dictionary<string, (string Sha256, bool Vendor, ModuleResult Result)> Modules);

    /// <summary>Path to the source's hash and the module result the last build used for it.</summary>
    public Dictionary<string, (string Sha256, bool Vendor, ModuleResult Result)> Modules { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The last build's module for this source, when its path, bytes and vendor flag are the same.</summary>
    public ModuleResult? Previous(SourceFile file, bool vendor) =>
        Modules.TryGetValue(file.Path, out var before) && before.Vendor == vendor && before.Sha256 == file.Sha256 ? before.Result : null;

    /// <summary>
    /// The compile stage's step reasons against the last build: cached when the very same result came back
    /// (from the module cache), unchanged when recompiled from the same bytes, modified when the bytes
    /// changed, new or removed by path. Then this build becomes the last.
    /// </summary>
    public StepReasons CompileReasons(IReadOnlyList<SourceFile> sources, IReadOnlyList<ModuleResult> results, Func<int, bool> isVendor)
    {
        int added = 0, modified = 0, unchanged = 0, cached = 0;
        long bytes = 0;
        var next = new Dictionary<string, (string Sha256, bool Vendor, ModuleResult Result)>(sources.Count, StringComparer.Ordinal);
        for (var i = 0; i < sources.Count; i++)
        {
            var sha = sources[i].Sha256;
            next[sources[i].Path] = (sha, isVendor(i), results[i]);
            if (!Modules.TryGetValue(sources[i].Path, out var before))
            {
                added++;
            }
            else if (ReferenceEquals(before.Result, results[i]))
            {
                cached++;
                continue;
            }
            else if (before.Sha256 == sha)
            {
                unchanged++;
            }
            else
            {
                modified++;
            }

            bytes += results[i].Rendered?.Length ?? 0;
        }

        var removed = Modules.Keys.Count(p => !next.ContainsKey(p));
        Modules = next;
        return new StepReasons("compile", "module", added, modified, unchanged, cached, removed, bytes);
    }
}

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
