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

    public static byte[] Render(CompiledModule module) => ArtifactJson.Serialize(module, ArtifactJson.Default.CompiledModule);

    public static ArtifactSet Emit(ProjectSelection project, LinkResult link, Plan plan, SplitResult split,
        RenderedModules rendered, ImmutableArray<Diagnostic> diagnostics, bool parallel = false)
    {
        var artifacts = new ArtifactSet();
        foreach (var module in link.Modules)
        {
            artifacts.Add(ModuleFile(module.Id), rendered.Json(module));
        }

        foreach (var chunk in split.Chunks)
        {
            artifacts.Add(chunk.File, chunk.Content);
        }

        // The four documents are independent; written side by side when allowed, added in a fixed order.
        Func<byte[]>[] documents =
        [
            () => ArtifactJson.Serialize(plan, ArtifactJson.Default.Plan),
            () => ArtifactJson.Serialize(Graph(link, plan), ArtifactJson.Default.ProjectGraph),
            () => ArtifactJson.Serialize(Manifest(project, link, split, diagnostics), ArtifactJson.Default.Manifest),
            () => ArtifactJson.Serialize(
                [.. diagnostics.Select(d => new DiagnosticEntry(d.SeverityName, d.Code, d.File, d.Line, d.Column, d.Message))],
                ArtifactJson.Default.ImmutableArrayDiagnosticEntry),
        ];
        var written = new byte[documents.Length][];
        if (parallel)
        {
            Parallel.For(0, documents.Length, i => written[i] = documents[i]());
        }
        else
        {
            for (var i = 0; i < documents.Length; i++)
            {
                written[i] = documents[i]();
            }
        }

        artifacts.Add(ArtifactSet.Plan, written[0]);
        artifacts.Add(ArtifactSet.Graph, written[1]);
        artifacts.Add(ArtifactSet.Manifest, written[2]);
        artifacts.Add(ArtifactSet.Diagnostics, written[3]);
        return artifacts;
    }

    private static Manifest Manifest(ProjectSelection project, LinkResult link, SplitResult split, ImmutableArray<Diagnostic> diagnostics)
    {
        var counts = Count(diagnostics);
        return new Manifest(
            new CompilerStamp(CompilerInfo.Name, CompilerInfo.Version),
            new ProjectStamp(project.Settings.Name, project.Settings.Constraints),
            [.. project.Inputs.Select(f => new InputEntry(f.Path, f.Sha256, f.Content.Length))],
            [.. link.Modules.Select(m => new ManifestModule(m.Id, m.Path, ModuleFile(m.Id), m.Route, m.Lazy, m.Vendor))],
            [.. split.Chunks.Select(c => new ChunkEntry(c.Name, c.Kind, c.File, c.Content.Length, c.Modules))],
            split.Routes,
            split.LazyChunks,
            counts.Errors == 0,
            counts);
    }

    private static ProjectGraph Graph(LinkResult link, Plan plan) => new(
        new GraphPart<GraphModule>(
            [.. link.Modules.Select(m => new GraphModule(m.Id, m.Path, m.Route, m.Lazy, m.Vendor, m.Features.Count(f => !f.Negated)))],
            [.. link.Edges.SelectMany(e => e.Value.Select(to => new GraphEdge(e.Key, to)))]),
        new GraphPart<GraphFeature>(
            [.. plan.Tasks.OrderBy(t => t.Id, StringComparer.Ordinal).Select(t => new GraphFeature(t.Id, t.Module, t.Feature))],
            [.. plan.Tasks.OrderBy(t => t.Id, StringComparer.Ordinal).SelectMany(t => t.DependsOn.Select(d => new GraphEdge(t.Id, d)))]));

    public static DiagnosticCounts Count(ImmutableArray<Diagnostic> diagnostics) => new(
        diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error),
        diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning),
        diagnostics.Count(d => d.Severity == DiagnosticSeverity.Info));
}
