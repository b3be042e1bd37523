using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Linking;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Planning;
using Grump.Hyper.Compiler.Splitting;

namespace Grump.Hyper.Compiler;

/// <summary>
/// The early cutoffs of the finishing stages: each compares exactly what its stage reads with what the
/// previous build's read, and hands back the previous value when they are equal. What "what it reads"
/// means is written down here, once per stage, next to the stage's step reasons.
/// </summary>
internal static class Incremental
{
    /// <summary>
    /// The link reads each module's id, path, route, lazy and vendor flags, depends and where they were
    /// written (for its diagnostics); nothing of the body. Equal for every module in the same order:
    /// the edges, order and diagnostics are the previous build's, with this build's modules. Where only
    /// some modules' depends changed (a header edit), only those are resolved again (<see cref="Linker.Relink"/>).
    /// </summary>
    /// <summary>
    /// The modules at <paramref name="positions"/>, stored through a span: <see cref="Array.ConvertAll{TInput, TOutput}"/>
    /// stores through the array, and a reference stored into an array reads the stored object's type (a cache miss per
    /// module; in `perf` of 1% edits of 10,000 files, most of the type checks' samples came from the two calls this replaced).
    /// </summary>
    internal static CompiledModule[] At(ReadOnlySpan<CompiledModule> modules, int[] positions)
    {
        var picked = new CompiledModule[positions.Length];
        var into = picked.AsSpan();
        for (var i = 0; i < positions.Length; i++)
        {
            into[i] = modules[positions[i]];
        }

        return picked;
    }

    public static (LinkResult Link, StepReasons Reasons) Link(CompiledModule[] inputs, FinishMemo? memo)
    {
        var previous = memo?.Link;
        if (previous is { } prev && prev.Inputs.Length == inputs.Length)
        {
            var changed = new List<int>();
            var dependsOnly = true;
            for (var i = 0; i < inputs.Length && dependsOnly; i++)
            {
                if (!SameLinkInterface(prev.Inputs[i], inputs[i]))
                {
                    changed.Add(i);
                    dependsOnly = SameLinkPlace(prev.Inputs[i], inputs[i]);
                }
            }

            if (dependsOnly)
            {
                var modules = ImmutableCollectionsMarshal.AsImmutableArray(At(inputs, prev.Positions));
                var relinked = changed.Count == 0 ? prev.Result with { Modules = modules } : Linker.Relink(prev.Result, modules, LinkPositions(prev.Positions, changed));
                if (relinked is not null)
                {
                    // Counted by position: the same paths stand at the same places (a path is one file).
                    memo!.Link = (inputs, relinked, prev.Positions);
                    return (relinked, changed.Count == 0
                        ? new StepReasons("link", "module", 0, 0, 0, inputs.Length, 0, 0)
                        : new StepReasons("link", "module", 0, changed.Count, inputs.Length - changed.Count, 0, 0, 0));
                }
            }
        }

        var link = Linker.Link(inputs);
        if (memo is not null)
        {
            var position = new Dictionary<object, int>(inputs.Length, ReferenceEqualityComparer.Instance);
            for (var i = 0; i < inputs.Length; i++)
            {
                position.TryAdd(inputs[i], i);
            }

            memo.Link = (inputs, link, [.. link.Modules.Select(m => position[m])]);
        }

        return (link, Compare("link", "module", previous?.Inputs ?? [], inputs, m => m.Path, SameLinkInterface));
    }

    /// <summary>Everything the link reads but the depends: the module keeps its id, its place, its route and flags.</summary>
    private static bool SameLinkPlace(CompiledModule a, CompiledModule b) =>
        a.Id == b.Id && a.Path == b.Path && a.Route == b.Route && a.Lazy == b.Lazy && a.Vendor == b.Vendor
        && a.Locations.Id == b.Locations.Id && a.Locations.Route == b.Locations.Route;

    /// <summary>The link positions of the changed inputs, ascending; an input that lost its id to an earlier one is linked nowhere, and nothing reads its depends.</summary>
    private static List<int> LinkPositions(int[] positions, List<int> changedInputs)
    {
        var changed = new HashSet<int>(changedInputs);
        var linked = new List<int>();
        for (var p = 0; p < positions.Length; p++)
        {
            if (changed.Contains(positions[p]))
            {
                linked.Add(p);
            }
        }

        return linked;
    }

    private static bool SameLinkInterface(CompiledModule a, CompiledModule b) =>
        ReferenceEquals(a, b) || (a.Id == b.Id && a.Path == b.Path && a.Route == b.Route && a.Lazy == b.Lazy && a.Vendor == b.Vendor
            && a.Depends.SequenceEqual(b.Depends) && a.Locations.Id == b.Locations.Id && a.Locations.Route == b.Locations.Route
            && a.Locations.Depends.SequenceEqual(b.Locations.Depends));

    /// <summary>
    /// The planner reads the graph (the same edges object when the link was reused) and, per module, its
    /// priority, its wanted features (name, action, priority), its feature rules and whether it deploys to
    /// Kubernetes. All equal: the previous plan. Otherwise the plan is rebuilt, drafting tasks again only for
    /// modules that are new objects (edited or new); the step counts those.
    /// </summary>
    public static (Plan Plan, StepReasons Reasons) Plan(LinkResult link, FinishMemo? memo, bool parallel = false)
    {
        if (memo?.Plan is { } prev && ReferenceEquals(prev.Link.Edges, link.Edges) && prev.Link.Modules.Length == link.Modules.Length
            && Enumerable.Range(0, link.Modules.Length).All(i => SamePlanInputs(prev.Link.Modules[i], link.Modules[i])))
        {
            memo.Plan = (link, prev.Plan);
            return (prev.Plan, new StepReasons("plan", "module", 0, 0, 0, link.Modules.Length, 0, 0));
        }

        if (memo is null)
        {
            return (Planner.Build(link), new StepReasons("plan", "module", link.Modules.Length, 0, 0, 0, 0, 0));
        }

        // The kept task graph repaired where this build's changes reach; a project with a cycle is planned whole.
        if (memo.Planner.Build(link, memo.Drafts, parallel) is { } repaired)
        {
            var (fresh, gone) = (memo.Planner.Added, memo.Planner.Removed);
            var redrafted = memo.Drafts.Drafted;
            memo.Plan = (link, repaired);
            return (repaired, new StepReasons("plan", "module", fresh, Math.Max(0, redrafted - fresh), 0, link.Modules.Length - redrafted, gone, 0));
        }

        var plan = Planner.Build(link, memo.Drafts);

        var before = memo.Plan?.Link.Modules.Select(m => m.Id).ToHashSet(StringComparer.Ordinal) ?? [];
        var now = link.Modules.Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        var added = now.Count(id => !before.Contains(id));
        var drafted = memo.Drafts.Drafted;
        memo.Plan = (link, plan);
        return (plan, new StepReasons("plan", "module", added, Math.Max(0, drafted - added), 0, link.Modules.Length - drafted, before.Count(id => !now.Contains(id)), 0));
    }

    private static bool SamePlanInputs(CompiledModule a, CompiledModule b) =>
        ReferenceEquals(a, b) || (a.Id == b.Id && a.Priority == b.Priority && Wanted(a).SequenceEqual(Wanted(b))
            && a.Dependencies.SequenceEqual(b.Dependencies) && Kubernetes(a) == Kubernetes(b));

    private static IEnumerable<(string, string, int)> Wanted(CompiledModule m) => m.Features.Where(f => f.Planned).Select(f => (f.Name, f.Action, f.Priority));

    private static bool Kubernetes(CompiledModule m) => m.Tech.Any(t => !t.Negated && t.Canonical == "kubernetes");

    /// <summary>Chunks: cached when the memo had these exact contents, else built (modified when a chunk of that name existed).</summary>
    public static StepReasons SplitReasons(SplitResult split, FinishMemo? memo)
    {
        if (memo is null)
        {
            return new StepReasons("split", "chunk", split.Chunks.Length, 0, 0, 0, 0, split.Chunks.Sum(c => c.Content.Length));
        }

        var before = memo.ChunkNames;
        var names = new string[split.Chunks.Length];
        var same = names.Length == before.Length;
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = split.Chunks[i].Name;
            same = same && string.Equals(names[i], before[i], StringComparison.Ordinal);
        }

        // A rechunk keeps every chunk's name at its place: then none is new and none gone, and no set of names is made.
        int renamed = 0, removed = 0;
        if (!same)
        {
            var now = names.ToHashSet(StringComparer.Ordinal);
            var then = before.ToHashSet(StringComparer.Ordinal);
            renamed = names.Count(n => !then.Contains(n));
            removed = before.Count(n => !now.Contains(n));
        }

        var built = split.Chunks.Length - memo.ChunkHitsThisBuild;
        memo.ChunkNames = names;
        return new StepReasons("split", "chunk", renamed, Math.Max(0, built - renamed), 0, memo.ChunkHitsThisBuild, removed, 0);
    }

    /// <summary>
    /// Lines of the big documents: plan.json's tasks, and the lines of graph.json and manifest.json;
    /// modified counts lines rendered this build (new or changed values), cached the lines reused.
    /// </summary>
    public static StepReasons[] DocumentReasons(DocumentFragments fragments)
    {
        var (rendered, reused) = fragments.Counts();
        var tasks = fragments.Tasks;
        return
        [
            new StepReasons("render plan.json", "task", 0, tasks.Rendered, 0, tasks.Reused, 0, 0),
            new StepReasons("render graph.json, manifest.json", "line", 0, rendered - tasks.Rendered, 0, reused - tasks.Reused, 0, 0),
        ];
    }

    /// <summary>
    /// Artifacts against the build before: cached when the very same value was reused; unchanged when made
    /// again with the same bytes (the previous value then stands in for it, so its hash is not computed
    /// again and a store sees an object it has); else new or modified. Bytes counts the new and modified.
    /// </summary>
    public static StepReasons ArtifactReasons(ArtifactSet artifacts, FinishMemo? memo)
    {
        var before = memo?.Artifacts ?? new ArtifactSet();
        artifacts.EnsureSorted();
        int added = 0, modified = 0, unchanged = 0, cached = 0, removed = 0;
        long bytes = 0;

        // What the build before holds, by value: the memo's count when it describes that very set (it is kept up
        // to date below from the changed artifacts alone) or the set its last change started from, else counted here.
        var held = memo is null ? Count(before) : HeldBy(memo, before);
        var gone = new List<ArtifactContent>();
        var made = new List<ArtifactContent>();
        void Compare(ArtifactContent? was, ArtifactContent? now, int at)
        {
            if (now is null)
            {
                removed++;
                gone.Add(was!);
            }
            else if (was is null)
            {
                added++;
                bytes += NewBytes(now, held);
                made.Add(now);
            }
            else if (ReferenceEquals(was, now))
            {
                cached++;
            }
            else if (was.ContentEquals(now))
            {
                artifacts.ReplaceAt(at, was);
                unchanged++;
            }
            else
            {
                modified++;
                bytes += NewBytes(now, held);
                gone.Add(was);
                made.Add(now);
            }
        }

        if (artifacts.Spliced is { } spliced && ReferenceEquals(spliced.From, before))
        {
            // Spliced from the build before: only its changes differ, every other entry is that build's very value.
            foreach (var change in spliced.Changes)
            {
                Compare(change.Was, change.Now, change.At);
            }

            cached = artifacts.Count - added - modified - unchanged;
        }
        else
        {
            // Both sets are sorted by path, so they are walked side by side: no index of either is built.
            int i = 0, j = 0;
            while (i < artifacts.Count || j < before.Count)
            {
                var c = i == artifacts.Count ? 1 : j == before.Count ? -1 : string.CompareOrdinal(artifacts.PathAt(i), before.PathAt(j));
                var was = c < 0 ? null : before.ContentAt(j++);
                var now = c > 0 ? null : artifacts.ContentAt(i);
                Compare(was, now, i);
                i += now is null ? 0 : 1;
            }
        }

        artifacts.Spliced = null; // it holds the set before
        if (memo is not null)
        {
            foreach (var value in gone)
            {
                Hold(held, value, -1);
            }

            foreach (var value in made)
            {
                Hold(held, value, +1);
            }

            memo.Artifacts = artifacts.Freeze(); // shared, not copied: the set is read only from here on
            (memo.Held, memo.HeldFor, memo.HeldChange) = (held, memo.Artifacts, (before, gone, made));
        }

        return new StepReasons("emit", "artifact", added, modified, unchanged, cached, removed, bytes);
    }

    private static Dictionary<ArtifactContent, int> HeldBy(FinishMemo memo, ArtifactSet before)
    {
        if (memo.Held is { } held && ReferenceEquals(memo.HeldFor, before))
        {
            return held;
        }

        if (memo.Held is { } later && memo.HeldChange is { } change && ReferenceEquals(change.From, before))
        {
            foreach (var value in change.Made)
            {
                Hold(later, value, -1);
            }

            foreach (var value in change.Gone)
            {
                Hold(later, value, +1);
            }

            (memo.HeldFor, memo.HeldChange) = (before, null);
            return later;
        }

        return Count(before);
    }

    private static Dictionary<ArtifactContent, int> Count(ArtifactSet set)
    {
        var held = new Dictionary<ArtifactContent, int>(set.Count * 2, ReferenceEqualityComparer.Instance);
        for (var k = 0; k < set.Count; k++)
        {
            Hold(held, set.ContentAt(k), +1);
        }

        return held;
    }

    /// <summary>Counts a value and its parts' sources in or out.</summary>
    private static void Hold(Dictionary<ArtifactContent, int> held, ArtifactContent value, int sign)
    {
        Add(value);
        foreach (var source in value.PartSources)
        {
            if (source is not null)
            {
                Add(source);
            }
        }

        void Add(ArtifactContent key)
        {
            ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(held, key, out _);
            count += sign;
            if (count <= 0)
            {
                held.Remove(key);
            }
        }
    }

    /// <summary>
    /// What a new or changed value costs a content-addressed store: a whole value its length; a composite (a
    /// chunk of modules, a document of blocks) only its parts that are no value of the build before (inline
    /// parts, and new blocks or modules), as the store keeps it as a recipe of values it has.
    /// </summary>
    private static long NewBytes(ArtifactContent made, Dictionary<ArtifactContent, int> held)
    {
        if (!made.IsComposite)
        {
            return made.Length;
        }

        long bytes = 0;
        for (var i = 0; i < made.Parts.Count; i++)
        {
            bytes += made.PartSources[i] is { } source && held.ContainsKey(source) ? 0 : made.Parts[i].Length;
        }

        return bytes;
    }

    private static StepReasons Compare<T>(string stage, string unit, IReadOnlyList<T> before, IReadOnlyList<T> now, Func<T, string> key, Func<T, T, bool> same)
    {
        var old = new Dictionary<string, T>(before.Count, StringComparer.Ordinal);
        foreach (var item in before)
        {
            old.TryAdd(key(item), item);
        }

        int added = 0, modified = 0, unchanged = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in now)
        {
            var k = key(item);
            seen.Add(k);
            if (!old.TryGetValue(k, out var was))
            {
                added++;
            }
            else if (same(was, item))
            {
                unchanged++;
            }
            else
            {
                modified++;
            }
        }

        return new StepReasons(stage, unit, added, modified, unchanged, 0, old.Keys.Count(k => !seen.Contains(k)), 0);
    }
}
