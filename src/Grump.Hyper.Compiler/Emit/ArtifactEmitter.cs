using System.Collections.Immutable;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Linking;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>
/// Writes the deterministic artifacts of a linked project. Nothing here depends on timing, tier or
/// machine, so the same project gives the same bytes everywhere; metrics.json is the engine's.
/// </summary>
public static class ArtifactEmitter
{
    public static string ModuleFile(string id) => $"modules/{id}.json";

    public static ArtifactSet Emit(ProjectSelection project, LinkResult link, ImmutableArray<Diagnostic> diagnostics)
    {
        var artifacts = new ArtifactSet();
        foreach (var module in link.Modules)
        {
            artifacts.Add(ModuleFile(module.Id), ArtifactJson.Serialize(module, ArtifactJson.Default.CompiledModule));
        }

        var counts = Count(diagnostics);
        var manifest = new Manifest(
            new CompilerStamp(CompilerInfo.Name, CompilerInfo.Version),
            new ProjectStamp(project.Settings.Name, project.Settings.Constraints),
            [.. project.Inputs.Select(f => new InputEntry(f.Path, f.Sha256, f.Content.Length))],
            [.. link.Modules.Select(m => new ManifestModule(m.Id, m.Path, ModuleFile(m.Id), m.Route, m.Lazy, m.Vendor))],
            [],
            ImmutableSortedDictionary<string, ImmutableArray<string>>.Empty,
            counts.Errors == 0,
            counts);
        artifacts.Add(ArtifactSet.Manifest, ArtifactJson.Serialize(manifest, ArtifactJson.Default.Manifest));
        artifacts.Add(ArtifactSet.Diagnostics, ArtifactJson.Serialize(
            [.. diagnostics.Select(d => new DiagnosticEntry(d.SeverityName, d.Code, d.File, d.Line, d.Column, d.Message))],
            ArtifactJson.Default.ImmutableArrayDiagnosticEntry));
        return artifacts;
    }

    public static DiagnosticCounts Count(ImmutableArray<Diagnostic> diagnostics) => new(
        diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error),
        diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning),
        diagnostics.Count(d => d.Severity == DiagnosticSeverity.Info));
}
