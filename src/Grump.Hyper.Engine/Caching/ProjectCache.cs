using Grump.Hyper.Compiler;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;

namespace Grump.Hyper.Engine.Caching;

/// <summary>
/// Early cutoff for a whole project: when every input (path, sha256, vendor flag), the compiler version
/// and the options are the same as a recent build, its linked result is reused and nothing is compiled.
/// Keeps the last few projects (CI rebuilds the same few branches).
/// </summary>
public sealed class ProjectCache(int capacity = 8)
{
    private readonly LinkedList<(string Key, CompilationResult Result, object? State)> _entries = new();
    private readonly object _gate = new();

    public bool TryGet(string key, out CompilationResult result) => TryGet(key, out result, out _);

    /// <param name="state">What the caller kept with the build (the engine: its project state's mark).</param>
    public bool TryGet(string key, out CompilationResult result, out object? state)
    {
        lock (_gate)
        {
            for (var node = _entries.First; node is not null; node = node.Next)
            {
                if (node.Value.Key == key)
                {
                    _entries.Remove(node);
                    _entries.AddFirst(node);
                    result = WithoutMetrics(node.Value.Result);
                    state = node.Value.State;
                    return true;
                }
            }
        }

        result = null!;
        state = null;
        return false;
    }

    public void Add(string key, CompilationResult result, object? state = null)
    {
        lock (_gate)
        {
            _entries.AddFirst((key, WithoutMetrics(result), state));
            while (_entries.Count > capacity)
            {
                _entries.RemoveLast();
            }
        }
    }

    /// <summary>
    /// The build without metrics.json, which differs between builds of the same inputs: the engine keeps builds before
    /// it adds theirs (beside the set, never in it), so the set itself is handed out, shared; each caller adds its own.
    /// </summary>
    private static CompilationResult WithoutMetrics(CompilationResult result) =>
        result.Artifacts.TryGet(ArtifactSet.Metrics, out _) ? result with { Artifacts = result.Artifacts.Without(ArtifactSet.Metrics) } : result;
}
