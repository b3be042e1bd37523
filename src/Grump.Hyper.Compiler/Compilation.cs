using System.Collections.Immutable;
using System.Runtime.InteropServices;
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

    /// <summary>Per finishing stage, how many of its units were new, recomputed or reused (see <see cref="StepReasons"/>).</summary>
    public ImmutableArray<StepReasons> Steps { get; init; } = [];

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
        var results = project.Sources.Select((s, i) => ModuleCompiler.Compile(s, project.IsVendor(i), options)).ToImmutableArray();
        return Finish(project, results);
    }

    /// <summary>Links compiled modules, plans, splits and writes the artifacts; shared by every tier.</summary>
    /// <param name="stage">Told the name and duration of each finishing stage as it ends (for metrics).</param>
    public static CompilationResult Finish(ProjectSelection project, IReadOnlyList<ModuleResult> results,
        FinishOptions? options = null, Action<string, TimeSpan>? stage = null)
    {
        options ??= FinishOptions.Sequential;
        options = options.Partitioners is null ? options with { Partitioners = [GreedyPartitioner.Instance] } : options;
        var memo = options.Memo;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Done(string name)
        {
            stage?.Invoke(name, clock.Elapsed);
            clock.Restart();
        }

        var steps = ImmutableArray.CreateBuilder<StepReasons>();
        var inputs = Modules(results, memo);
        var (link, linkReasons) = Incremental.Link(inputs, memo);
        steps.Add(linkReasons);
        Done("link");
        var rendered = memo?.Rendered(results) ?? new RenderedModules(results);

        // The split's graph analysis is the previous build's when the edges are the very same (the link was reused).
        // It holds positions and ids only (the chunks read this build's modules from the link), so the same edges reuse it as it is.
        var graph = memo?.SplitGraph is { } known && ReferenceEquals(known.Edges, link.Edges) ? known : SplitGraph.Of(link);
        Plan plan;
        StepReasons planReasons;
        SplitResult split;
        ImmutableArray<Diagnostic> diagnostics;
        var fragments = memo?.Documents ?? new DocumentFragments();
        PlanFreeDocuments? early = null;
        if (options.Parallel)
        {
            // Planning and splitting read the same linked graph and write nothing shared. The documents that read no
            // plan are written once the split is done, while the plan is still being made (the other core idles then).
            var planning = Task.Run(() => Incremental.Plan(link, memo, parallel: true));
            try
            {
                split = Splitter.Split(link, project.Settings.Split, rendered, options, graph);
                diagnostics = Diagnostics(project, results, link, split, memo);
                early = ArtifactEmitter.WithoutPlan(project, link, split, diagnostics, fragments, options.DocumentBlocks);
            }
            catch
            {
                // The plan writes into the memo: this build does not end, and give the memo back, while it still runs.
                try
                {
                    planning.Wait();
                }
                catch (AggregateException)
                {
                    // The split's failure is the one reported.
                }

                throw;
            }

            (plan, planReasons) = planning.GetAwaiter().GetResult();
            Done("plan+split");
        }
        else
        {
            (plan, planReasons) = Incremental.Plan(link, memo);
            Done("plan");
            split = Splitter.Split(link, project.Settings.Split, rendered, options, graph);
            Done("split");
            diagnostics = Diagnostics(project, results, link, split, memo);
        }

        steps.Add(planReasons);
        steps.Add(Incremental.SplitReasons(split, memo));
        var artifacts = ArtifactEmitter.Emit(project, link, plan, split, rendered, diagnostics, options.Parallel, fragments, options.DocumentBlocks, early, memo?.Artifacts);
        steps.AddRange(Incremental.DocumentReasons(fragments));
        Done("emit");

        // Timed on its own: the walk over every artifact against the build before's takes 4-16 ms of a 1% edit at 10,000
        // files, and inside "emit" it read as document rendering.
        steps.Add(Incremental.ArtifactReasons(artifacts, memo));
        if (memo is not null)
        {
            memo.SplitGraph = graph;
            memo.EndBuild();
        }

        Done("compare");
        return new CompilationResult(artifacts, diagnostics, link.Modules.Length)
        {
            Plan = plan,
            Split = split,
            Steps = steps.ToImmutable(),
        };
    }

    /// <summary>The compiled modules in order (a source that gave none is left out).</summary>
    /// <remarks>
    /// A walk of every source of every build, so by position against the last build's: the very same result at its
    /// place gives the module it gave then, without reading the result (a cache miss per source at 100,000 files).
    /// </remarks>
    private static CompiledModule[] Modules(IReadOnlyList<ModuleResult> results, FinishMemo? memo)
    {
        if (memo?.Inputs is { } last && last.Results.Length == results.Count && last.Modules.Length == results.Count)
        {
            var (kept, modules) = (last.Results, new CompiledModule[results.Count]);
            // Stored through a span: an array store of a reference reads the stored object's type (a cache miss each).
            var span = modules.AsSpan();
            var whole = true;
            for (var i = 0; i < span.Length && whole; i++)
            {
                var result = results[i];
                span[i] = ReferenceEquals(kept[i], result) ? last.Modules[i] : result.Module!;
                whole = span[i] is not null;
            }

            if (whole)
            {
                memo.Inputs = (Copy(results), modules);
                return modules;
            }
        }

        var count = 0;
        for (var i = 0; i < results.Count; i++)
        {
            count += results[i].Module is null ? 0 : 1;
        }

        var all = new CompiledModule[count];
        for (int i = 0, k = 0; i < results.Count; i++)
        {
            if (results[i].Module is { } module)
            {
                all[k++] = module;
            }
        }

        if (memo is not null)
        {
            memo.Inputs = (Copy(results), all);
        }

        return all;
    }

    /// <summary>The results as an array that stays as it is: an immutable array's own, else a copy.</summary>
    private static ModuleResult[] Copy(IReadOnlyList<ModuleResult> results)
    {
        if (results is ImmutableArray<ModuleResult> immutable)
        {
            return ImmutableCollectionsMarshal.AsArray(immutable)!;
        }

        if (results is ModuleResult[] array)
        {
            return (ModuleResult[])array.Clone();
        }

        var copy = new ModuleResult[results.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = results[i];
        }

        return copy;
    }

    /// <summary>Every diagnostic of the build, sorted and capped: the selection's, the modules', the link's and the split's (the plan reports none).</summary>
    private static ImmutableArray<Diagnostic> Diagnostics(ProjectSelection project, IReadOnlyList<ModuleResult> results, LinkResult link, SplitResult split, FinishMemo? memo) =>
        (memo?.Diagnostics ?? new SortedDiagnostics()).Of(project.Diagnostics, results, link.Diagnostics, split.Diagnostics);
}
