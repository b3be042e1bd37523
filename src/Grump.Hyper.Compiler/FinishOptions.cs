using System.Collections.Concurrent;
using Grump.Hyper.Compiler.Splitting;

namespace Grump.Hyper.Compiler;

/// <summary>
/// How the stages after module compilation may run. None of it changes the artifacts: parallel stages
/// compute the same values, and the memo only hands back what the same inputs produced before.
/// </summary>
public sealed record FinishOptions
{
    public static FinishOptions Sequential { get; } = new();

    /// <summary>Plan and split side by side, partitioners side by side, artifacts serialised side by side.</summary>
    public bool Parallel { get; init; }

    /// <summary>Outputs of earlier builds keyed by their exact inputs; null recomputes everything.</summary>
    public FinishMemo? Memo { get; init; }

    /// <summary>The partitioners that always run; null: greedy.</summary>
    public IReadOnlyList<IChunkPartitioner>? Partitioners { get; init; }

    /// <summary>
    /// Tried only when none of <see cref="Partitioners"/> met the split limits. The metaheuristics by
    /// default: measured on the benchmark project they tied greedy in every run while taking about 70% of
    /// the split stage, so they run where greedy leaves a limit broken, the one case they can help.
    /// </summary>
    public IReadOnlyList<IChunkPartitioner>? FallbackPartitioners { get; init; }
}

/// <summary>
/// Chunks built by earlier builds, keyed by name, kind and the content hashes of their modules' JSON,
/// so an incremental build rebuilds only the chunks whose modules changed. Two generations: what this
/// build used and what the last one built; anything neither touched is dropped, which bounds the memo
/// to about one build's chunks.
/// </summary>
public sealed class FinishMemo
{
    private ConcurrentDictionary<string, Chunk> _current = new(StringComparer.Ordinal);
    private ConcurrentDictionary<string, Chunk> _previous = new(StringComparer.Ordinal);
    private long _hits;
    private long _misses;

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    internal Chunk GetOrBuild(string key, Func<Chunk> build)
    {
        var current = _current;
        if (current.TryGetValue(key, out var chunk) || _previous.TryGetValue(key, out chunk))
        {
            Interlocked.Increment(ref _hits);
            current[key] = chunk;
            return chunk;
        }

        Interlocked.Increment(ref _misses);
        chunk = build();
        current[key] = chunk;
        return chunk;
    }

    /// <summary>Called when a build has finished: its chunks become the ones the next build may reuse.</summary>
    public void EndBuild()
    {
        _previous = Interlocked.Exchange(ref _current, new ConcurrentDictionary<string, Chunk>(StringComparer.Ordinal));
    }
}
