using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Collections.Immutable;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Linking;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Planning;
using Grump.Hyper.Compiler.Project;
using Grump.Hyper.Compiler.Splitting;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>
/// Writes the deterministic artifacts of a linked project. Nothing here depends on timing, tier or
/// machine, so the same project gives the same bytes everywhere; metrics.json is the engine's.
/// </summary>
public static class ArtifactEmitter
{
    public static string ModuleFile(string id) => $"modules/{id}.json";

    /// <summary>A module's JSON, written by <see cref="ModuleJson"/>; <see cref="RenderReference"/> is the serialiser's, the same bytes.</summary>
    public static byte[] Render(ModuleDocument module) => ModuleJson.Render(module);

    /// <summary>The source-generated serialiser's module JSON: what <see cref="ModuleJson"/> is tested against.</summary>
    public static byte[] RenderReference(ModuleDocument module) => ArtifactJson.Serialize(module, ArtifactJson.Default.ModuleDocument);

    /// <summary>
    /// manifest.json and diagnostics.json, the documents that read no plan: a caller that has a core to spare while the
    /// plan is made writes them then and hands them to <see cref="Emit"/>.
    /// </summary>
    public static PlanFreeDocuments WithoutPlan(ProjectSelection project, LinkResult link, SplitResult split, ImmutableArray<Diagnostic> diagnostics, DocumentFragments fragments, bool blocks) =>
        new(ManifestDocument(project, link, split, diagnostics, fragments, blocks), DiagnosticsDocument(diagnostics, fragments));

    private static ArtifactContent DiagnosticsDocument(ImmutableArray<Diagnostic> diagnostics, DocumentFragments fragments) =>
        fragments.Diagnostics(diagnostics, () => ArtifactContent.Of(ArtifactJson.Serialize(
            [.. diagnostics.Select(d => new DiagnosticEntry(d.SeverityName, d.Code, d.File, d.Line, d.Column, d.Message))],
            ArtifactJson.Default.ImmutableArrayDiagnosticEntry)));

    /// <param name="early">manifest.json and diagnostics.json when already written (by <see cref="WithoutPlan"/> with these inputs).</param>
    /// <param name="previous">The project's last build's set, when one is kept: spliced where this build changed it.</param>
    public static ArtifactSet Emit(ProjectSelection project, LinkResult link, Plan plan, SplitResult split,
        RenderedModules rendered, ImmutableArray<Diagnostic> diagnostics, bool parallel = false, DocumentFragments? fragments = null, bool blocks = false,
        PlanFreeDocuments? early = null, ArtifactSet? previous = null)
    {
        fragments ??= new DocumentFragments();

        // The four documents are independent (each has its own fragment caches); written side by side when allowed, but
        // for the two a caller wrote while the plan was made.
        Func<ArtifactContent>[] documents =
        [
            () => PlanDocument(plan, fragments, blocks, parallel),
            () => GraphDocument(link, plan, fragments, blocks, parallel),
            () => early?.Manifest ?? ManifestDocument(project, link, split, diagnostics, fragments, blocks),
            () => early?.Diagnostics ?? DiagnosticsDocument(diagnostics, fragments),
        ];
        var written = new ArtifactContent[documents.Length];
        if (parallel)
        {
            Parallel.For(0, early is null ? documents.Length : 2, i => written[i] = documents[i]());
        }

        for (var i = 0; i < documents.Length; i++)
        {
            written[i] ??= documents[i]();
        }

        var modules = ImmutableCollectionsMarshal.AsArray(link.Modules) ?? [];
        var chunks = ImmutableCollectionsMarshal.AsArray(split.Chunks) ?? [];
        var artifacts = (previous is null ? null : Splice(previous, modules, chunks, rendered, written)) ?? Whole(modules, chunks, rendered, written);
        artifacts.Origin = (modules, chunks);
        return artifacts;
    }

    /// <summary>The documents' paths, in the order <see cref="Emit"/> writes them.</summary>
    private static readonly string[] Documents = [ArtifactSet.Plan, ArtifactSet.Graph, ArtifactSet.Manifest, ArtifactSet.Diagnostics];

    /// <summary>Every module, chunk and document added to a new set (a first build, or one whose modules moved).</summary>
    private static ArtifactSet Whole(CompiledModule[] modules, Chunk[] chunks, RenderedModules rendered, ArtifactContent[] documents)
    {
        var artifacts = new ArtifactSet(modules.Length + chunks.Length + documents.Length);
        foreach (var module in modules)
        {
            var result = rendered.Get(module);
            artifacts.Add(result.File!, result.Content!);
        }

        foreach (var chunk in chunks)
        {
            artifacts.Add(chunk.File, chunk.Content);
        }

        for (var d = 0; d < documents.Length; d++)
        {
            artifacts.Add(Documents[d], documents[d]);
        }

        return artifacts;
    }

    /// <summary>
    /// The last build's set with what this build changed: a module that is another object at its link position (with
    /// the same id, so the same path), a chunk that is another object at its place (the old one's file out, the new
    /// one's in), and the documents. None when the modules moved or the chunks were cut again (the positions say
    /// nothing then), or when so much changed that adding everything again costs no more.
    /// </summary>
    private static ArtifactSet? Splice(ArtifactSet previous, CompiledModule[] modules, Chunk[] chunks, RenderedModules rendered, ArtifactContent[] documents)
    {
        if (previous.Origin is not { } origin || origin.Modules.Length != modules.Length || origin.Chunks.Length != chunks.Length)
        {
            return null;
        }

        var most = (modules.Length + chunks.Length) / 4;
        var changes = new List<(string Path, ArtifactContent? Now)>();
        for (var i = 0; i < modules.Length; i++)
        {
            if (ReferenceEquals(modules[i], origin.Modules[i]))
            {
                continue;
            }

            if (!string.Equals(modules[i].Id, origin.Modules[i].Id, StringComparison.Ordinal) || changes.Count > most)
            {
                return null;
            }

            var result = rendered.Get(modules[i]);
            changes.Add((result.File!, result.Content));
        }

        for (var i = 0; i < chunks.Length; i++)
        {
            if (!ReferenceEquals(chunks[i], origin.Chunks[i]))
            {
                changes.Add((origin.Chunks[i].File, null));
                changes.Add((chunks[i].File, chunks[i].Content));
            }
        }

        if (changes.Count > 2 * most)
        {
            return null;
        }

        for (var d = 0; d < documents.Length; d++)
        {
            changes.Add((Documents[d], documents[d]));
        }

        return ArtifactSet.Splice(previous, changes);
    }

    private static ArtifactContent PlanDocument(Plan plan, DocumentFragments fragments, bool blocks, bool parallel)
    {
        var tasks = fragments.Tasks;
        var document = new LineDocument(fragments.Plan, blocks).Raw("{\n\"tasks\": [\n");
        if (plan.Lines is { } slots)
        {
            // The incremental planner's plan: kept tasks' lines sit in their slots; the batches are the
            // execution order in turn, so the order's array is the batch lines' insides joined.
            document.Lines(slots.Order, IncrementalPlanner.OrderEntry.LineSlot, static e => LineWriter.Task(e.Task), parallel, out var filled)
                .Raw("],\n\"executionOrder\": ");
            tasks.Filled(filled);
            tasks.Reuse(slots.Order.Count - filled);
            // A batch listing other tasks than the build before is laid out again from its tasks' quoted ids (each
            // rendered once for as long as its task stays), mostly as pieces of the build before (see BatchPieces).
            var pieces = fragments.BatchPieces;
            pieces.Begin();
            var batches = new BatchLine[plan.ParallelBatches.Count];
            for (int b = 0, from = 0; b < batches.Length; from += plan.ParallelBatches[b].Count, b++)
            {
                if (slots.Batches[b] is { } kept)
                {
                    pieces.Keep(batches[b] = kept);
                    continue;
                }

                var count = plan.ParallelBatches[b].Count;
                // Stored through a span: a byte[] stored into a byte[][] has its type checked (the most of those
                // checks' samples in `perf` of 1% edits once the split's and the link's went, round 37).
                var ids = fragments.Plan.Scratch(count).AsSpan(0, count);
                var k = 0;
                foreach (ref var entry in slots.Order.Range(from, count))
                {
                    ids[k++] = entry.IdLine ??= LineWriter.String(entry.Task.Id);
                }

                batches[b] = slots.Batches[b] = pieces.Of(ids);
                ids.Clear(); // the scratch keeps no line alive
            }

            pieces.End();
            document.Joined(batches).Raw(",\n\"parallelBatches\": [\n").Lines(batches);
        }
        else
        {
            document.Lines(plan.Tasks, t => tasks.Get(t.Id, t, static v => LineWriter.Task(v)))
                .Raw("],\n\"executionOrder\": ")
                .Raw(System.Text.Encoding.UTF8.GetString(LineJson.Of(plan.ExecutionOrder, LineJson.Default.IReadOnlyListString)))
                .Raw(",\n\"parallelBatches\": [\n")
                .Lines(plan.ParallelBatches, b => LineJson.Of(b, LineJson.Default.IReadOnlyListString));
        }

        return document
            .Raw("],\n\"criticalPath\": ")
            .Raw(System.Text.Encoding.UTF8.GetString(LineJson.Of(plan.CriticalPath, LineJson.Default.CriticalPath)))
            .Raw($",\n\"estimatedDurationSeconds\": {plan.EstimatedDurationSeconds},\n\"sequentialSeconds\": {plan.SequentialSeconds},\n\"risk\": ")
            .Raw(System.Text.Encoding.UTF8.GetString(LineJson.Of(plan.Risk, LineJson.Default.RiskSummary)))
            .Raw("\n}\n")
            .ToContent();
    }

    /// <summary>
    /// Modules with their depends, and the feature tasks by id. The tasks' own edges are not repeated
    /// here: they are each task's <c>dependsOn</c> in plan.json (writing them twice doubled the document).
    /// </summary>
    private static ArtifactContent GraphDocument(LinkResult link, Plan plan, DocumentFragments fragments, bool blocks, bool parallel)
    {
        // A module linked again as the very same object at the same place keeps its lines; its edges likewise
        // when the link handed back the very same edge list (a reused link does).
        var nodes = fragments.GraphModulesByPosition.Of(link.Modules, static m => m, m => fragments.GraphModules.Get(m.Id,
            new GraphModule(m.Id, m.Path, m.Route, m.Lazy, m.Vendor, m.Features.Count(f => !f.Negated)), static v => LineWriter.Module(v)), fragments.GraphModules.Reuse);
        var byPosition = link.EdgesByPosition;
        var edges = fragments.GraphEdgesByPosition.Of(link.Modules.Length, i => ImmutableCollectionsMarshal.AsArray(byPosition[i])!,
            i => fragments.GraphEdges.Get(link.Modules[i].Id, byPosition[i], to => EdgeLines(link.Modules[i].Id, to)), fragments.GraphEdges.Reuse);
        var features = plan.TasksById;
        var document = new LineDocument(fragments.Graph, blocks)
            .Raw("{\n\"modules\": {\n\"nodes\": [\n")
            .Lines(nodes)
            .Raw("],\n\"edges\": [\n")
            .Lines(edges)
            .Raw("]\n},\n\"features\": {\n\"nodes\": [\n");
        static byte[] Feature(PlanTask v) => LineWriter.Feature(v.Id, v.Module, v.Feature);
        if (plan.Lines is { } slots)
        {
            document.Lines(slots.ById, IncrementalPlanner.IdEntry.FeatureSlot, static e => Feature(e.Task), parallel, out var filled);
            fragments.GraphFeatures.Filled(filled);
            fragments.GraphFeatures.Reuse(slots.ById.Count - filled);
        }
        else
        {
            document.Lines(features, t => fragments.GraphFeatures.Get(t.Id, t, Feature));
        }

        return document
            .Raw("]\n}\n}\n")
            .ToContent();
    }

    private static ArtifactContent ManifestDocument(ProjectSelection project, LinkResult link, SplitResult split, ImmutableArray<Diagnostic> diagnostics, DocumentFragments fragments, bool blocks)
    {
        var counts = Count(diagnostics);
        // A route's list of chunks is the same array while none of its chunks was renamed (a rechunk swaps in only
        // what changed), so its line is kept by route and array, never rendered again.
        KeyValuePair<string, ImmutableArray<string>>[] routes = [.. split.Routes];
        KeyValuePair<string, ImmutableArray<string>>[] lazy = [.. split.LazyChunks];
        static byte[] Entry(string key, ImmutableArray<string> chunks) =>
            [.. LineWriter.String(key), .. ": "u8, .. LineWriter.Strings(chunks)];
        return new LineDocument(fragments.Manifest, blocks)
            .Raw("{\n\"compiler\": ")
            .Raw(System.Text.Encoding.UTF8.GetString(LineJson.Of(new CompilerStamp(CompilerInfo.Name, CompilerInfo.Version), LineJson.Default.CompilerStamp)))
            .Raw(",\n\"project\": ")
            .Raw(System.Text.Encoding.UTF8.GetString(LineJson.Of(new ProjectStamp(project.Settings.Name, project.Settings.Constraints), LineJson.Default.ProjectStamp)))
            .Raw(",\n\"inputs\": [\n")
            .Lines(fragments.InputsByPosition.Of(project.Inputs, static f => f, f => fragments.Inputs.Get(f.Path, new InputEntry(f.Path, f.Sha256, f.Size),
                static v => LineWriter.Input(v)), fragments.Inputs.Reuse))
            .Raw("],\n\"modules\": [\n")
            .Lines(fragments.ManifestModulesByPosition.Of(link.Modules, static m => m, m => fragments.ManifestModules.Get(m.Id,
                new ManifestModule(m.Id, m.Path, ModuleFile(m.Id), m.Route, m.Lazy, m.Vendor), static v => LineWriter.Module(v)), fragments.ManifestModules.Reuse))
            .Raw("],\n\"chunks\": [\n")
            .Lines(fragments.ChunksByPosition.Of(split.Chunks, static c => c, c => fragments.Chunks.Get(c.File, new ChunkEntry(c.Name, c.Kind, c.File, c.Content.Length, c.Modules),
                static v => ChunkLine(v)), fragments.Chunks.Reuse))
            .Raw("],\n\"routes\": {\n")
            .Lines(routes, r => fragments.Routes.Get(r.Key, r.Value, chunks => Entry(r.Key, chunks)))
            .Raw("},\n\"lazyChunks\": {\n")
            .Lines(lazy, r => fragments.LazyChunks.Get(r.Key, r.Value, chunks => Entry(r.Key, chunks)))
            .Raw($"}},\n\"success\": {(counts.Errors == 0 ? "true" : "false")},\n\"diagnostics\": ")
            .Raw(System.Text.Encoding.UTF8.GetString(LineJson.Of(counts, LineJson.Default.DiagnosticCounts)))
            .Raw("\n}\n")
            .ToContent();
    }

    /// <summary>
    /// A chunk's manifest line: its name, file and size, then its members' ids. An edit renames about half the chunks
    /// (a member's JSON changed, so the chunk's hash did) but leaves their members as they were, in the very same
    /// array (the rechunk passes it on), so the members' list, most of the line, is written once per list and the
    /// line is the serialiser's head for no members with that list in its place.
    /// </summary>
    private static byte[] ChunkLine(ChunkEntry chunk)
    {
        var head = LineJson.Of(chunk with { Modules = [] }, LineJson.Default.ChunkEntry);
        var members = ImmutableCollectionsMarshal.AsArray(chunk.Modules);
        if (members is null || !head.AsSpan().EndsWith("[]}"u8))
        {
            return LineJson.Of(chunk, LineJson.Default.ChunkEntry);
        }

        var list = MemberLists.GetValue(members, static m => LineWriter.Strings(ImmutableCollectionsMarshal.AsImmutableArray(m)));
        var line = GC.AllocateUninitializedArray<byte>(head.Length - 2 + list.Length);
        head.AsSpan(0, head.Length - 3).CopyTo(line);
        list.CopyTo(line.AsSpan(head.Length - 3));
        line[^1] = (byte)'}';
        return line;
    }

    /// <summary>Each member list's JSON, for as long as the list lives (a chunk's, kept from build to build while its members stay).</summary>
    private static readonly ConditionalWeakTable<string[], byte[]> MemberLists = new();

    /// <summary>One module's edges, a line each (no line when it depends on nothing).</summary>
    private static byte[] EdgeLines(string from, ImmutableArray<string> to)
    {
        var lines = new List<byte>();
        for (var i = 0; i < to.Length; i++)
        {
            if (i > 0)
            {
                lines.AddRange(LineDocument.Comma);
            }

            lines.AddRange(LineWriter.Edge(from, to[i]));
        }

        return [.. lines];
    }

    public static DiagnosticCounts Count(ImmutableArray<Diagnostic> diagnostics) => new(
        diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error),
        diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning),
        diagnostics.Count(d => d.Severity == DiagnosticSeverity.Info));
}

/// <summary>The documents <see cref="ArtifactEmitter.WithoutPlan"/> writes.</summary>
public sealed record PlanFreeDocuments(ArtifactContent Manifest, ArtifactContent Diagnostics);
