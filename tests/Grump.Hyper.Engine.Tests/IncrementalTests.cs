using System.Text;
using CsCheck;
using Grump.Hyper.Compiler;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Engine.Caching;
using Grump.Hyper.Engine.Pipeline;
using Grump.Hyper.Testing;

namespace Grump.Hyper.Engine.Tests;

/// <summary>
/// Incrementality, asserted through the step reasons in metrics.json: what a build recomputed, reused and
/// wrote; and that an incremental build's artifacts are byte for byte those of a cold build of the same inputs.
/// </summary>
public sealed class IncrementalTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly HyperOptions Aggressive = HyperOptions.Default with { Tier = CompileTier.Aggressive, ProjectKey = "incremental-tests" };

    private static StepReasons Step(HyperResult result, string stage) => result.Metrics.Steps.Single(s => s.Stage == stage);

    /// <summary>A module nothing depends on, with a route of its own, so an edit to it reaches no other module.</summary>
    private static string Leaf(List<SourceFile> project)
    {
        var text = project.Where(f => f.Path.EndsWith(".intent", StringComparison.Ordinal)).ToDictionary(f => f.Path[..^".intent".Length], f => Encoding.UTF8.GetString(f.Content.Span));
        return text.Keys.Order(StringComparer.Ordinal).First(id => text[id].Contains("route:", StringComparison.Ordinal) && !text.Values.Any(t => t.Contains(id + "]", StringComparison.Ordinal) || t.Contains(id + ",", StringComparison.Ordinal)));
    }

    private static List<SourceFile> Edit(List<SourceFile> project, string path, Func<string, string> edit) =>
        [.. project.Select(f => f.Path == path ? new SourceFile(f.Path, Encoding.UTF8.GetBytes(edit(Encoding.UTF8.GetString(f.Content.Span)))) : f)];

    [Fact]
    public void A_body_edit_recompiles_one_module_relinks_none_and_rewrites_only_what_holds_it()
    {
        var project = ProjectGenerator.Generate(300, seed: 7);
        var leaf = Leaf(project);
        var compiler = new HyperCompiler(new ModuleCache());
        var stored = Aggressive with { DocumentBlocks = true }; // as the service builds: documents as blocks for its store
        var cold = compiler.Compile(project, stored, cancellationToken: Ct);
        var edited = Edit(project, leaf + ".intent", text => text + "\nAdd a wishlist for customers.\n");
        var result = compiler.Compile(edited, stored, cancellationToken: Ct);

        var compile = Step(result, "compile");
        Assert.Equal((1, 299), (compile.Modified, compile.Cached));
        var link = Step(result, "link");
        Assert.Equal((0, 0, 300), (link.Modified + link.New, link.Unchanged, link.Cached)); // relinks none

        // Planned again, but only the edited module drafted anew, and only its tasks rendered anew.
        var plan = Step(result, "plan");
        Assert.Equal((1, 299), (plan.Modified, plan.Cached));
        var leafTasks = result.Compilation.Plan!.Tasks.Where(t => t.Module == leaf).ToList();
        var rendered = Step(result, "render plan.json");
        Assert.InRange(rendered.Modified, 1, leafTasks.Count);
        Assert.Equal(result.Compilation.Plan.Tasks.Count - rendered.Modified, rendered.Cached);

        // The chunks that hold the module are rebuilt (renamed: the name carries their hash), no other.
        var holding = result.Compilation.Split!.Chunks.Where(c => c.Modules.Contains(leaf)).Select(c => c.File).ToList();
        var split = Step(result, "split");
        Assert.Equal(holding.Count, split.Modified + split.New);
        Assert.Equal(result.Compilation.Split.Chunks.Length - holding.Count, split.Cached);

        // Written anew: the module, the chunks that hold it, and the documents that list them; nothing else.
        var emit = Step(result, "emit");
        var changedPaths = result.Artifacts.Where(a => a.Key != ArtifactSet.Metrics && !(cold.Artifacts.TryGet(a.Key, out var before) && before.ContentEquals(a.Value))).Select(a => a.Key).ToList();
        string[] expected = [ArtifactSet.Graph, ArtifactSet.Manifest, ArtifactSet.Plan, ArtifactEmitter.ModuleFile(leaf), .. holding];
        Assert.Equal(expected.Order(StringComparer.Ordinal), changedPaths.Order(StringComparer.Ordinal));
        Assert.Equal(holding.Count * 2, emit.New + emit.Removed); // each renamed chunk: one new path, one gone
        Assert.Equal(4, emit.Modified); // the module, plan.json, graph.json, manifest.json

        // diagnostics.json is the cold build's very value, taken as it was (cached), not written again and found equal
        // (unchanged): the edit adds or fixes no diagnostic. Nothing else is made again the same either.
        Assert.True(cold.Artifacts.TryGet(ArtifactSet.Diagnostics, out var coldDiagnostics));
        Assert.True(result.Artifacts.TryGet(ArtifactSet.Diagnostics, out var diagnostics));
        Assert.Same(coldDiagnostics, diagnostics);
        Assert.Equal(0, emit.Unchanged);

        // Chunks and the big documents are recipes of values (modules, blocks of a few KB): a store writes the parts
        // the cold build did not have, not the whole again; every other changed artifact counts whole.
        var coldValues = cold.Artifacts.SelectMany(a => a.Value.PartSources.Append(a.Value)).OfType<ArtifactContent>().Select(v => v.Sha256).ToHashSet(StringComparer.Ordinal);
        long Written(ArtifactContent made) => !made.IsComposite ? made.Length
            : Enumerable.Range(0, made.Parts.Count).Sum(k => made.PartSources[k] is { } part && coldValues.Contains(part.Sha256) ? 0L : made.Parts[k].Length);

        var written = result.Artifacts.Where(a => changedPaths.Contains(a.Key)).ToDictionary(a => a.Key, a => Written(a.Value));
        Assert.Equal(written.Values.Sum(), emit.BytesWritten);
        foreach (var document in new[] { ArtifactSet.Graph, ArtifactSet.Manifest, ArtifactSet.Plan })
        {
            Assert.InRange(written[document], 1, result.Artifacts.Single(a => a.Key == document).Value.Length / 4);
        }

        ArtifactAssert.Same(new HyperCompiler().Compile(edited, HyperOptions.Default with { Tier = CompileTier.Conservative }, cancellationToken: Ct).Artifacts, result.Artifacts);
    }

    [Fact]
    public void A_body_edit_that_changes_no_feature_keeps_the_plan()
    {
        var project = ProjectGenerator.Generate(120, seed: 8);
        var leaf = Leaf(project);
        var compiler = new HyperCompiler(new ModuleCache());
        compiler.Compile(project, Aggressive, cancellationToken: Ct);
        var result = compiler.Compile(Edit(project, leaf + ".intent", text => text + "\nThe team documents every change in the changelog.\n"), Aggressive, cancellationToken: Ct);
        Assert.Equal(1, Step(result, "compile").Modified);
        Assert.Equal(120, Step(result, "plan").Cached);
        Assert.Equal(0, Step(result, "render plan.json").Modified);
    }

    [Fact]
    public void A_header_edit_that_changes_depends_relinks_and_replans_only_that_module()
    {
        var project = ProjectGenerator.Generate(200, seed: 9);
        var leaf = Leaf(project);
        var compiler = new HyperCompiler(new ModuleCache());
        compiler.Compile(project, Aggressive, cancellationToken: Ct);
        var target = project.Where(f => f.Path.EndsWith(".intent", StringComparison.Ordinal) && f.Path != leaf + ".intent").Select(f => f.Path[..^".intent".Length]).Order(StringComparer.Ordinal).First();
        var edited = Edit(project, leaf + ".intent", text => text.Contains("depends: [", StringComparison.Ordinal)
            ? text.Replace("depends: [", "depends: [" + target + ", ", StringComparison.Ordinal)
            : text.Replace("priority:", "depends: [" + target + "]\npriority:", StringComparison.Ordinal));
        var result = compiler.Compile(edited, Aggressive, cancellationToken: Ct);

        var link = Step(result, "link");
        Assert.Equal((1, 199, 0), (link.Modified, link.Unchanged, link.Cached));
        var plan = Step(result, "plan");
        Assert.Equal((1, 199), (plan.Modified, plan.Cached));
        ArtifactAssert.Same(new HyperCompiler().Compile(edited, HyperOptions.Default with { Tier = CompileTier.Conservative }, cancellationToken: Ct).Artifacts, result.Artifacts);
    }

    [Fact]
    public void An_unchanged_build_reuses_everything_and_writes_nothing()
    {
        var project = ProjectGenerator.Generate(80, seed: 10);
        var compiler = new HyperCompiler(new ModuleCache());
        compiler.Compile(project, Aggressive, cancellationToken: Ct);
        var again = compiler.Compile(project, Aggressive, cancellationToken: Ct);
        Assert.All(again.Metrics.Steps, s => Assert.Equal((0, 0, 0, 0L), (s.New, s.Modified, s.Removed, s.BytesWritten)));
        Assert.Equal(80, Step(again, "compile").Cached);
    }

    /// <summary>One random edit: a body sentence added or removed, a depends/route/lazy change, a file added or deleted.</summary>
    private static readonly Gen<(int Kind, int File, int Other)> Edits = Gen.Select(Gen.Int[0, 5], Gen.Int[0, 10_000], Gen.Int[0, 10_000]);

    private static List<SourceFile> Apply(List<SourceFile> project, (int Kind, int File, int Other) edit)
    {
        var intents = project.Where(f => f.Path.EndsWith(".intent", StringComparison.Ordinal)).ToList();
        if (intents.Count == 0)
        {
            return project;
        }

        var file = intents[edit.File % intents.Count];
        var other = intents[edit.Other % intents.Count].Path[..^".intent".Length];
        return edit.Kind switch
        {
            0 => Edit(project, file.Path, t => t + "\nAlso add an audit log for admins.\n"),
            1 => Edit(project, file.Path, t => t.Replace("I want", "I need", StringComparison.Ordinal).Replace("Don't use", "Use", StringComparison.Ordinal)),
            2 => Edit(project, file.Path, t => t.Replace("priority:", "depends: [" + other + "]\npriority:", StringComparison.Ordinal)),
            3 => Edit(project, file.Path, t => t.Contains("lazy: true", StringComparison.Ordinal) ? t.Replace("lazy: true\n", string.Empty, StringComparison.Ordinal) : t.Replace("priority:", "lazy: true\npriority:", StringComparison.Ordinal)),
            4 => [.. project, new SourceFile($"extra/n{edit.Other}.intent", Encoding.UTF8.GetBytes($"---\nroute: /n{edit.Other}\ndepends: [{other}]\n---\nBuild product reviews with React.\n"))],
            _ => [.. project.Where(f => f.Path != file.Path)],
        };
    }

    [Fact]
    public void Incremental_builds_over_random_edit_sequences_match_cold_builds_byte_for_byte()
    {
        Gen.Select(Gen.Int[5, 40], Gen.Int[0, 1000], Edits.Array[1, 6]).Sample((size, seed, edits) =>
        {
            var project = ProjectGenerator.Generate(size, seed);
            var compiler = new HyperCompiler(new ModuleCache());
            var options = Aggressive with { DocumentBlocks = seed % 2 == 0 }; // half the sequences with the documents as blocks
            var previous = compiler.Compile(project, options, cancellationToken: Ct);
            var earlier = project;
            for (var k = 0; k < edits.Length; k++)
            {
                if (k % 2 == 1)
                {
                    // Back to the project before the last edit (handed back whole, the project's state rewound to
                    // that build), and this edit made to it: as the benchmark edits its generated project.
                    project = earlier;
                    previous = compiler.Compile(project, options, cancellationToken: Ct);
                }

                earlier = project;
                project = Apply(project, edits[k]);
                var incremental = compiler.Compile(project, options, cancellationToken: Ct);
                var cold = new HyperCompiler().Compile(project, HyperOptions.Default with { Tier = CompileTier.Conservative }, cancellationToken: Ct);
                ArtifactAssert.Same(cold.Artifacts, incremental.Artifacts);
                Assert.Equal(cold.Metrics.Bytes, incremental.Metrics.Bytes); // the key's kept totals against every size read

                // The bytes a store writes anew, counted from scratch against the build before (the engine keeps the
                // count of what that build holds from build to build).
                // A project seen before is handed back whole and writes nothing.
                var whole = incremental.Metrics.Notes.Any(n => n.StartsWith("project unchanged", StringComparison.Ordinal));
                Assert.Equal(whole ? 0 : NewBytes(previous.Artifacts, incremental.Artifacts), Step(incremental, "emit").BytesWritten);
                previous = incremental;
            }
        }, iter: 60, threads: 1);
    }

    /// <summary>Changed artifacts whole, but a composite's parts that are a value of the build before not at all.</summary>
    private static long NewBytes(ArtifactSet before, ArtifactSet after)
    {
        var held = new HashSet<ArtifactContent>(ReferenceEqualityComparer.Instance);
        foreach (var (path, value) in before)
        {
            if (path != ArtifactSet.Metrics)
            {
                held.Add(value);
                held.UnionWith(value.PartSources.OfType<ArtifactContent>());
            }
        }

        long bytes = 0;
        foreach (var (path, made) in after)
        {
            if (path == ArtifactSet.Metrics || (before.TryGet(path, out var was) && was.ContentEquals(made)))
            {
                continue;
            }

            bytes += !made.IsComposite ? made.Length
                : Enumerable.Range(0, made.Parts.Count).Sum(k => made.PartSources[k] is { } part && held.Contains(part) ? 0L : made.Parts[k].Length);
        }

        return bytes;
    }
}
