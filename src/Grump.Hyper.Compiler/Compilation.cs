using System.Collections.Immutable;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Linking;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Planning;
using Grump.Hyper.Compiler.Project;
using Grump.Hyper.Compiler.Splitting;

namespace Grump.Hyper.Compiler;

/// <summary>The outcome of compiling a project: its artifacts and every diagnostic, sorted.</summary>
public sealed record CompilationResult(ArtifactSet Artifacts, ImmutableArray<Diagnostic> Diagnostics, int ModuleCount)
{
    public Planning.Plan? Plan { get; init; }

    public Splitting.SplitResult? Split { get; init; }

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

    /// <summary>Links compiled modules, plans, splits and writes the artifacts; shared by every tier.</summary>
    /// <param name="stage">Told the name and duration of each finishing stage as it ends (for metrics).</param>
    public static CompilationResult Finish(ProjectSelection project, IReadOnlyList<ModuleResult> results,
        FinishOptions? options = null, Action<string, TimeSpan>? stage = null)
    {
        options ??= FinishOptions.Sequential;
        options = options.Partitioners is null ? options with { Partitioners = [GreedyPartitioner.Instance], FallbackPartitioners = options.FallbackPartitioners ?? OptimisingPartitioner.Optimisers } : options;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Done(string name)
        {
            stage?.Invoke(name, clock.Elapsed);
            clock.Restart();
        }

        var link = Linker.Link(results.Where(r => r.Module is not null).Select(r => r.Module!));
        Done("link");
        var rendered = new RenderedModules(results);

        Plan plan;
        SplitResult split;
        if (options.Parallel)
        {
            // Planning and splitting read the same linked graph and write nothing shared.
            var planning = Task.Run(() => Planner.Build(link));
            split = Splitter.Split(link, project.Settings.Split, rendered, options);
            plan = planning.GetAwaiter().GetResult();
            Done("plan+split");
        }
        else
        {
            plan = Planner.Build(link);
            Done("plan");
            split = Splitter.Split(link, project.Settings.Split, rendered, options);
            Done("split");
        }

        var all = new List<Diagnostic>(project.Diagnostics);
        foreach (var r in results)
        {
            all.AddRange(r.Diagnostics);
        }

        all.AddRange(link.Diagnostics);
        all.AddRange(split.Diagnostics);
        var sorted = all.ToArray();
        Array.Sort(sorted, Diagnostic.Compare);
        var diagnostics = DiagnosticLimits.Cap(sorted);
        var artifacts = ArtifactEmitter.Emit(project, link, plan, split, rendered, diagnostics, options.Parallel);
        options.Memo?.EndBuild();
        Done("emit");
        return new CompilationResult(artifacts, diagnostics, link.Modules.Length)
        {
            Plan = plan,
            Split = split,
        };
    }
}
