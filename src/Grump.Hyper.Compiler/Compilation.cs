using System.Collections.Immutable;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Linking;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;

namespace Grump.Hyper.Compiler;

/// <summary>The outcome of compiling a project: its artifacts and every diagnostic, sorted.</summary>
public sealed record CompilationResult(ArtifactSet Artifacts, ImmutableArray<Diagnostic> Diagnostics, int ModuleCount)
{
    public bool Success => !Diagnostics.Any(d => d.IsError);
}

/// <summary>
/// The whole pipeline, one file after another: select, compile each module, link, emit. This is the
/// reference the engine's faster tiers are checked against; they call the same stages.
/// </summary>
public static class Compilation
{
    public static CompilationResult Compile(IEnumerable<SourceFile> files, CompilationOptions? options = null)
    {
        options ??= CompilationOptions.Default;
        var project = ProjectLoader.Select(files);
        var results = project.Sources.Select(s => ModuleCompiler.Compile(s, project.VendorPaths.Contains(s.Path), options)).ToImmutableArray();
        return Finish(project, results);
    }

    /// <summary>Links compiled modules and writes the artifacts; shared by every tier.</summary>
    public static CompilationResult Finish(ProjectSelection project, IReadOnlyList<ModuleResult> results)
    {
        var link = Linker.Link(results.Where(r => r.Module is not null).Select(r => r.Module!));
        var all = new List<Diagnostic>(project.Diagnostics);
        foreach (var r in results)
        {
            all.AddRange(r.Diagnostics);
        }

        all.AddRange(link.Diagnostics);
        var sorted = all.ToArray();
        Array.Sort(sorted, Diagnostic.Compare);
        var diagnostics = ImmutableArray.Create(sorted);
        return new CompilationResult(ArtifactEmitter.Emit(project, link, diagnostics), diagnostics, link.Modules.Length);
    }
}
