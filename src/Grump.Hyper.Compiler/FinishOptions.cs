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

    /// <summary>
    /// plan.json, graph.json and manifest.json as composites of blocks of a few KB (<see cref="Emit.DocumentBlocks"/>), so
    /// a content-addressed store keeps an edited document as its new blocks and a recipe (a 1% edit of 10,000
    /// files stored 11.5 MiB instead of 36). The bytes are the same either way; the blocks cost emit 30-80 ms of
    /// a 1% edit of 10,000 files (measured side by side), so only a caller that stores into such a store (the
    /// service) asks for them, and a build that writes files (the CLI) does not.
    /// </summary>
    public bool DocumentBlocks { get; init; }

    /// <summary>Outputs of earlier builds keyed by their exact inputs; null recomputes everything.</summary>
    public FinishMemo? Memo { get; init; }

    /// <summary>The partitioners that always run; null: greedy.</summary>
    public IReadOnlyList<IChunkPartitioner>? Partitioners { get; init; }

    /// <summary>
    /// Tried only when none of <see cref="Partitioners"/> met the split limits; null: none, and the best of
    /// what ran is kept with its broken limit reported. The seam for a caller's optimisers: the engine passes
    /// its metaheuristics here in every tier (measured on the benchmark project they tied greedy in every run
    /// while taking about 70% of the split stage, so they run where greedy leaves a limit broken, the one case
    /// they can help). The compiler itself is the language only and carries no optimiser.
    /// </summary>
    public IReadOnlyList<IChunkPartitioner>? FallbackPartitioners { get; init; }
}
