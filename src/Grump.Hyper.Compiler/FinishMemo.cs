using System.Collections.Immutable;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Linking;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Planning;
using Grump.Hyper.Compiler.Splitting;

namespace Grump.Hyper.Compiler;

/// <summary>
/// How one stage treated its units in a build (Roslyn's incremental step reasons): new (not in the
/// build before), modified (recomputed, different), unchanged (recomputed, equal), cached (taken from
/// the build before without recomputing), removed (gone since), and the bytes of what it made anew.
/// </summary>
public sealed record StepReasons(string Stage, string Unit, int New, int Modified, int Unchanged, int Cached, int Removed, long BytesWritten);

/// <summary>
/// What the stages after module compilation keep between the builds of one project, so each build
/// recomputes only what its changed inputs reach (early cutoff: a stage whose inputs compare equal hands
/// back the value it made before). The engine keeps one per project and lends it to one build at a time;
/// none of it changes the artifacts, only how many of them are recomputed.
/// </summary>
public sealed class FinishMemo
{
    // The chunks of this build and the build before, by key; one lock for both (a split takes a thousand or so, and a
    // concurrent dictionary spent more on its per-bucket locks than the lookups cost).
    private readonly Lock _chunksGate = new();
    private Dictionary<string, Chunk> _current = new(StringComparer.Ordinal);
    private Dictionary<string, Chunk> _previous = new(StringComparer.Ordinal);
    /// <summary>The modules the last link read (in input order), its result, and where each linked module sits in the input.</summary>
    internal (CompiledModule[] Inputs, LinkResult Result, int[] Positions)? Link { get; set; }

    /// <summary>The last build's module results by position, and the modules they gave (when every one gave one).</summary>
    internal (ModuleResult[] Results, CompiledModule[] Modules)? Inputs { get; set; }

    /// <summary>The last plan and the linked modules it was made from.</summary>
    internal (LinkResult Link, Plan Plan)? Plan { get; set; }

    internal SplitGraph? SplitGraph { get; set; }

    /// <summary>The last split, for a build whose graph and partition are the same (see <c>Splitter.Rechunk</c>).</summary>
    internal SplitMemo? LastSplit { get; set; }

    internal PlanMemo Drafts { get; } = new();

    internal IncrementalPlanner Planner { get; } = new();

    internal DocumentFragments Documents { get; } = new();

    /// <summary>The last build's diagnostics, sorted, for an edit to merge its modules' into.</summary>
    internal Diagnostics.SortedDiagnostics Diagnostics { get; } = new();

    private RenderedModules? _rendered;

    /// <summary>The modules' rendered JSON for this build: the last build's table, updated in place (see <see cref="RenderedModules"/>).</summary>
    internal RenderedModules Rendered(IReadOnlyList<ModuleResult> results)
    {
        if (_rendered is null)
        {
            return _rendered = new RenderedModules(results);
        }

        _rendered.Update(results);
        return _rendered;
    }

    /// <summary>The last build's artifacts, to tell which of this build's are new, changed or reused.</summary>
    internal ArtifactSet? Artifacts { get; set; }

    /// <summary>
    /// Every value the artifacts of <see cref="HeldFor"/> hold, their parts' sources too, with how many times:
    /// what a composite's new bytes are counted against, kept up to date by the changed artifacts alone.
    /// </summary>
    internal Dictionary<ArtifactContent, int>? Held { get; set; }

    /// <summary>The artifact set <see cref="Held"/> describes; another one (a rewind) means it is counted again.</summary>
    internal ArtifactSet? HeldFor { get; set; }

    /// <summary>
    /// The last change to <see cref="Held"/> (from one artifact set to the next, what went and what came), so a
    /// rewind to the build before it (an unchanged project handed back whole, then edited again) undoes it
    /// instead of counting everything again.
    /// </summary>
    internal (ArtifactSet From, List<ArtifactContent> Gone, List<ArtifactContent> Made)? HeldChange { get; set; }

    /// <summary>The last build's chunks' names, by position (what its split's reasons are counted against).</summary>
    internal string[] ChunkNames { get; set; } = [];

    /// <summary>Chunks this build took from the memo (the rest it built).</summary>
    internal int ChunkHitsThisBuild;

    internal Chunk GetOrBuild(string key, Func<Chunk> build)
    {
        Chunk? chunk;
        lock (_chunksGate)
        {
            if (_current.TryGetValue(key, out chunk) || _previous.TryGetValue(key, out chunk))
            {
                Interlocked.Increment(ref ChunkHitsThisBuild);
                _current[key] = chunk;
                return chunk;
            }
        }

        // Built outside the lock (chunks are built side by side in a parallel split); two builds of one key make equal chunks.
        chunk = build();
        lock (_chunksGate)
        {
            _current[key] = chunk;
        }

        return chunk;
    }

    /// <summary>What the last build left for the next to compare with (the caches of values are kept whatever the mark).</summary>
    public object Mark() => new Marked(Link, Plan, SplitGraph, Artifacts, ChunkNames);

    /// <summary>
    /// Makes a marked build the last one again: when the engine hands back a whole earlier build (the same
    /// inputs), the next build's step reasons compare with that one, not with whatever ran in between.
    /// </summary>
    public void Rewind(object mark)
    {
        if (mark is Marked m)
        {
            (Link, Plan, SplitGraph, Artifacts, ChunkNames) = (m.Link, m.Plan, m.SplitGraph, m.Artifacts, m.ChunkNames);
        }
    }

    private sealed record Marked((CompiledModule[] Inputs, LinkResult Result, int[] Positions)? Link, (LinkResult Link, Plan Plan)? Plan,
        SplitGraph? SplitGraph, ArtifactSet? Artifacts, string[] ChunkNames);

    /// <summary>Called when a build has finished: what it made becomes what the next build may reuse.</summary>
    public void EndBuild()
    {
        lock (_chunksGate)
        {
            (_previous, _current) = (_current, new Dictionary<string, Chunk>(_current.Count, StringComparer.Ordinal));
        }

        ChunkHitsThisBuild = 0;
        Drafts.EndBuild();
        Documents.EndBuild();
    }
}
