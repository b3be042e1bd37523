using System.Text;
using System.Text.Json;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Splitting;

namespace Grump.Hyper.Compiler.Tests;

public sealed class PlanTests
{
    private static SourceFile File(string path, string text) => new(path, Encoding.UTF8.GetBytes(text));

    private static Planning.Plan Plan(params SourceFile[] files) => Compilation.Compile(files).Plan!;

    [Fact]
    public void A_feature_rule_makes_a_task_wait_for_the_feature_it_needs()
    {
        var plan = Plan(File("app.intent", "Build RBAC with authentication."));
        var rbac = plan.Tasks.Single(t => t.Id == "app:role-based-access");
        Assert.Equal(["app:authentication"], rbac.DependsOn);
        Assert.True(plan.ExecutionOrder.ToList().IndexOf("app:authentication") < plan.ExecutionOrder.ToList().IndexOf("app:role-based-access"));
    }

    [Fact]
    public void A_module_waits_for_the_modules_it_depends_on_in_batches()
    {
        var plan = Plan(
            File("a.intent", "Build a dashboard."),
            File("b.intent", "Build a blog."),
            File("c.intent", "---\ndepends: [a, b]\n---\nBuild a calendar."));
        Assert.Equal(["c:calendar"], plan.ParallelBatches[1]);
        Assert.Equal(["a:dashboard", "b:blog"], plan.ParallelBatches[0].Order(StringComparer.Ordinal));
        Assert.Equal(["a:dashboard", "b:blog"], plan.Tasks.Single(t => t.Id == "c:calendar").DependsOn);
    }

    [Fact]
    public void A_rule_is_resolved_in_the_nearest_module_depended_on()
    {
        var plan = Plan(
            File("session.intent", "Users log in."),
            File("admin.intent", "---\ndepends: [session]\n---\nAn admin panel."));
        Assert.Contains("session:authentication", plan.Tasks.Single(t => t.Id == "admin:admin-panel").DependsOn);
    }

    [Fact]
    public void A_task_lists_only_the_waits_nothing_else_it_waits_for_implies()
    {
        // c depends on a and b, and b on a: c's first task waits for b's last task, which already waits for a's.
        var plan = Plan(
            File("a.intent", "Build a dashboard."),
            File("b.intent", "---\ndepends: [a]\n---\nBuild a blog."),
            File("c.intent", "---\ndepends: [a, b]\n---\nBuild a calendar."));
        Assert.Equal(["b:blog"], plan.Tasks.Single(t => t.Id == "c:calendar").DependsOn);
        Assert.Equal(["a:dashboard"], plan.Tasks.Single(t => t.Id == "b:blog").DependsOn);
        Assert.Equal(["a:dashboard", "b:blog", "c:calendar"], plan.CriticalPath.Tasks);
    }

    [Fact]
    public void A_rule_inside_a_module_that_another_rule_leads_to_is_not_listed_again()
    {
        // The admin panel needs authentication and roles; roles need authentication already.
        var plan = Plan(File("app.intent", "Build an admin panel with RBAC and user authentication."));
        Assert.Equal(["app:role-based-access"], plan.Tasks.Single(t => t.Id == "app:admin-panel").DependsOn);
        Assert.Equal(["app:authentication"], plan.Tasks.Single(t => t.Id == "app:role-based-access").DependsOn);
    }

    [Fact]
    public void Estimates_follow_the_action_and_the_size_of_the_feature()
    {
        var plan = Plan(File("m.intent", "Build dark mode. Build a blog. Build user authentication. Migrate the database."));
        int Seconds(string feature) => plan.Tasks.Single(t => t.Feature == feature).EstimatedSeconds;
        Assert.True(Seconds("dark-mode") < Seconds("blog"), "a small feature takes less than a medium one");
        Assert.True(Seconds("blog") < Seconds("authentication"), "a medium feature takes less than a large one");
        Assert.True(Seconds("database") > Seconds("blog"), "a migration takes more than building a medium feature");
    }

    [Fact]
    public void Every_feature_given_a_size_is_a_feature_of_the_lexicon()
    {
        var features = System.IO.File.ReadLines(Path.Combine(Repository.Root, "src", "Grump.Hyper.Compiler", "Extraction", "Lexicon", "features.txt"))
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => line.Split('|')[0].Trim())
            .ToHashSet(StringComparer.Ordinal);
        var sized = Planning.PlanningRules.Default.SizeOf.Keys;
        Assert.NotEmpty(sized);
        Assert.Empty(sized.Where(f => !features.Contains(f)));
    }

    [Fact]
    public void Negated_features_make_no_task()
    {
        var plan = Plan(File("m.intent", "Build a dashboard. No chat."));
        Assert.Equal(["m:dashboard"], plan.Tasks.Select(t => t.Id));
    }

    [Fact]
    public void The_critical_path_is_the_longest_chain_and_the_risk_is_summed_up()
    {
        var plan = Plan(File("m.intent", "Deploy the dashboard with Kubernetes. Build a blog. Build RBAC with authentication."));
        Assert.Equal(["m:authentication", "m:role-based-access"], plan.CriticalPath.Tasks.TakeLast(2));
        Assert.Equal(plan.CriticalPath.Tasks.Sum(id => plan.Tasks.Single(t => t.Id == id).EstimatedSeconds), plan.CriticalPath.EstimatedSeconds);
        Assert.Equal(plan.CriticalPath.EstimatedSeconds, plan.EstimatedDurationSeconds);
        Assert.Equal(plan.Tasks.Sum(t => t.EstimatedSeconds), plan.SequentialSeconds);
        Assert.Equal("risky", plan.Risk.Level);
        Assert.Contains("Kubernetes deployment", plan.Risk.RiskFactors);
        Assert.False(plan.Risk.AutoApprovable);
        Assert.Equal(plan.Tasks.Count, plan.Risk.Safe + plan.Risk.Moderate + plan.Risk.Risky);
    }

    [Fact]
    public void Pricing_is_not_a_ci_task()
    {
        var plan = Plan(File("m.intent", "A pricing page."));
        Assert.DoesNotContain("bash_execute", plan.Tasks.Single().Tools);
    }

    [Fact]
    public void A_cycle_still_gives_a_complete_plan()
    {
        var plan = Plan(File("a.intent", "---\ndepends: [b]\n---\nBuild a blog."), File("b.intent", "---\ndepends: [a]\n---\nBuild a dashboard."));
        Assert.Equal(2, plan.ExecutionOrder.Count);
    }
}

public sealed class SplitTests
{
    private static SourceFile File(string path, string text) => new(path, Encoding.UTF8.GetBytes(text));

    private static string Body(int words) => string.Join(' ', Enumerable.Repeat("We build a dashboard with charts", words)) + ".";

    private static SourceFile[] Shop(int minChunkBytes = 1000, int maxInitial = 30) =>
    [
        File("grump.json", $$"""{ "vendor": ["vendor/**"], "split": { "minChunkBytes": {{minChunkBytes}}, "maxInitialChunks": {{maxInitial}}, "maxAsyncChunks": 30 } }"""),
        File("home.intent", "---\nroute: /\ndepends: [ui, tiny, lib/tracker]\n---\nA landing page."),
        File("cart.intent", "---\nroute: /cart\ndepends: [ui, tiny, help]\n---\nA shopping cart."),
        File("help.intent", "---\nlazy: true\ndepends: [ui]\n---\nA knowledge base."),
        File("ui.intent", "---\nid: ui\n---\n" + Body(60)),
        File("tiny.intent", "---\nid: tiny\n---\nA form."),
        File("vendor/lib/tracker.intent", "---\nid: lib/tracker\n---\nAnalytics."),
    ];

    private static (Manifest Manifest, CompilationResult Result) Compile(SourceFile[] files)
    {
        var result = Compilation.Compile(files);
        return (JsonSerializer.Deserialize(result.Artifacts[ArtifactSet.Manifest], ArtifactJson.Default.Manifest)!, result);
    }

    [Fact]
    public void Entries_vendor_common_dynamic_chunks_and_route_order_follow_the_contract()
    {
        var (manifest, _) = Compile(Shop());
        var kinds = manifest.Chunks.ToDictionary(c => c.Name, c => (c.Kind, string.Join(",", c.Modules)));
        Assert.Equal(("entry", "home,tiny"), kinds["route-home"]);
        Assert.Equal(("entry", "cart,tiny"), kinds["route-cart"]);
        Assert.Equal(("dynamic", "help"), kinds["lazy-help"]);
        Assert.Equal(("vendor", "lib/tracker"), kinds["vendor"]);
        var common = manifest.Chunks.Single(c => c.Kind == "common");
        Assert.Equal(["ui"], common.Modules);

        // "tiny" is shared but under minChunkBytes: copied into both entries.
        Assert.Equal(2, manifest.Chunks.Count(c => c.Modules.Contains("tiny")));

        Assert.Equal([manifest.Chunks.Single(c => c.Name == "vendor").File, common.File, manifest.Chunks.Single(c => c.Name == "route-home").File], manifest.Routes["/"]);
        Assert.Equal([manifest.Chunks.Single(c => c.Name == "lazy-help").File], manifest.LazyChunks["/cart"]);
        Assert.All(manifest.Chunks, c => Assert.Matches(@"^chunks/[a-z0-9~-]+\.[0-9a-f]{8}\.json$", c.File));
    }

    [Fact]
    public void Modules_no_root_reaches_are_cut_into_stable_orphan_pieces()
    {
        // 400 library modules no route names, and one route.
        SourceFile[] Project(Func<int, string> body, int count = 400) =>
        [
            File("home.intent", "---\nroute: /\n---\nA landing page."),
            .. Enumerable.Range(0, count).Select(i => File($"lib/m{i:D3}.intent", body(i))),
        ];

        var (manifest, _) = Compile(Project(i => $"Module {i} keeps a ledger."));
        var pieces = manifest.Chunks.Where(c => c.Kind == "orphan").ToList();

        // Every orphan in exactly one piece, each piece named by its first module, none holding most of them.
        Assert.Equal(Enumerable.Range(0, 400).Select(i => $"lib/m{i:D3}"), pieces.SelectMany(c => c.Modules).Order(StringComparer.Ordinal));
        Assert.All(pieces, c => Assert.Equal("orphans-" + c.Modules.Min(StringComparer.Ordinal)!.Replace('/', '-'), c.Name));
        Assert.True(pieces.Count >= 10, $"{pieces.Count} pieces");
        Assert.True(pieces.Max(c => c.Modules.Length) <= 100, $"largest piece {pieces.Max(c => c.Modules.Length)}");

        // A body edit changes the one piece holding the module; every other piece keeps its file.
        var edited = Compile(Project(i => i == 123 ? "Module 123 keeps a ledger and an audit trail." : $"Module {i} keeps a ledger.")).Manifest;
        var changed = pieces.Select(c => c.File).Except(edited.Chunks.Select(c => c.File)).ToList();
        Assert.Equal([pieces.Single(c => c.Modules.Contains("lib/m123")).File], changed);

        // A new module moves no cut but its own: at most one piece changes and one is added.
        var grown = Compile(Project(i => $"Module {i} keeps a ledger.", count: 401)).Manifest.Chunks.Where(c => c.Kind == "orphan").ToList();
        Assert.InRange(pieces.Select(c => c.File).Except(grown.Select(c => c.File)).Count(), 1, 1);
        Assert.InRange(grown.Count - pieces.Count, 0, 1);
    }

    [Fact]
    public void Chunk_names_carry_a_content_hash_so_unchanged_chunks_keep_their_names()
    {
        var before = Compile(Shop()).Manifest.Chunks.ToDictionary(c => c.Name, c => c.File);
        var changed = Shop();
        changed[2] = File("cart.intent", "---\nroute: /cart\ndepends: [ui, tiny, help]\n---\nA shopping cart with a wishlist.");
        var after = Compile(changed).Manifest.Chunks.ToDictionary(c => c.Name, c => c.File);
        Assert.NotEqual(before["route-cart"], after["route-cart"]);
        Assert.Equal(before["route-home"], after["route-home"]);
        Assert.Equal(before["vendor"], after["vendor"]);
    }

    [Fact]
    public void Max_initial_chunks_is_met_by_merging_or_copying_common_chunks()
    {
        var files = new List<SourceFile>
        {
            File("grump.json", """{ "split": { "minChunkBytes": 10, "maxInitialChunks": 2 } }"""),
            File("a.intent", "---\nroute: /a\ndepends: [x, y, z]\n---\nA blog."),
            File("b.intent", "---\nroute: /b\ndepends: [x, y]\n---\nA blog."),
            File("c.intent", "---\nroute: /c\ndepends: [x, z]\n---\nA blog."),
            File("x.intent", Body(5)), File("y.intent", Body(6)), File("z.intent", Body(7)),
        };
        var (manifest, result) = Compile([.. files]);
        Assert.All(manifest.Routes, r => Assert.True(r.Value.Length <= 2, $"{r.Key} loads {r.Value.Length}"));
        Assert.DoesNotContain(result.Diagnostics, d => d.Code == "GH2006");
        Assert.Equal("greedy", result.Split!.Chosen);
    }

    [Fact]
    public void A_route_that_cannot_meet_max_initial_chunks_is_warned_about()
    {
        var (_, result) = Compile(
        [
            File("grump.json", """{ "split": { "maxInitialChunks": 1 } }"""),
            File("a.intent", "---\nroute: /a\ndepends: [b]\n---\nA blog."),
            File("b.intent", "---\nroute: /b\n---\nA blog."),
        ]);
        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal(("GH2006", "a.intent", 2, 8), (warning.Code, warning.File, warning.Line, warning.Column));
    }

    [Fact]
    public void A_route_over_max_async_chunks_is_warned_about()
    {
        var (_, result) = Compile(
        [
            File("grump.json", """{ "split": { "maxAsyncChunks": 1 } }"""),
            File("a.intent", "---\nroute: /a\ndepends: [l1, l2]\n---\nA blog."),
            File("l1.intent", "---\nlazy: true\n---\nA blog."),
            File("l2.intent", "---\nlazy: true\n---\nA blog."),
        ]);
        Assert.Equal("GH2007", Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void The_chosen_score_is_the_module_bytes_every_route_loads_up_front()
    {
        // The objective by its definition, read from the split's own output: for every route, the rendered bytes of the
        // modules in the chunks its list loads at once (its own, the roots it loads, vendor, common chunks, copies).
        // Routes that load other roots and vendor modules, and a group small enough to be copied, so every term counts.
        var files = Shop(minChunkBytes: 1000).Append(File("both.intent", "---\nroute: /both\ndepends: [home, cart, lib/tracker]\n---\nA blog.")).ToArray();
        var results = files.Where(f => f.Path.EndsWith(".intent", StringComparison.Ordinal))
            .Select(f => ModuleCompiler.Compile(f, f.Path.StartsWith("vendor/", StringComparison.Ordinal), CompilationOptions.Default)).ToList();
        var link = Linking.Linker.Link(results.Select(r => r.Module!));
        var rendered = new RenderedModules(results);
        var split = Splitter.Split(link, Project.SplitSettings.Default with { MinChunkBytes = 1000 }, rendered);

        var bytes = link.Modules.ToDictionary(m => m.Id, m => (long)rendered.Json(m).Length, StringComparer.Ordinal);
        var chunks = split.Chunks.ToDictionary(c => c.File, StringComparer.Ordinal);
        var loaded = split.Routes.Values.Sum(list => list.Sum(file => chunks[file].Modules.Sum(id => bytes[id])));
        Assert.Contains(split.Routes.Values, list => list.Any(file => chunks[file].Kind == "vendor"));
        Assert.Equal(loaded, Assert.Single(split.Scores, s => s.Partitioner == split.Chosen).BytesLoaded);
    }

    [Fact]
    public void The_best_valid_partition_wins_and_every_score_is_reported()
    {
        // "/both" loads the home and cart chunks: copying "ui" into each would load it twice.
        var files = Shop().Append(File("both.intent", "---\nroute: /both\ndepends: [home, cart]\n---\nA blog."));
        var results = files.Where(f => f.Path.EndsWith(".intent", StringComparison.Ordinal))
            .Select(f => ModuleCompiler.Compile(f, f.Path.StartsWith("vendor/", StringComparison.Ordinal), CompilationOptions.Default)).ToList();
        var link = Linking.Linker.Link(results.Select(r => r.Module!));
        var settings = Project.SplitSettings.Default with { MinChunkBytes = 1000 };
        var split = Splitter.Split(link, settings, new RenderedModules(results), new FinishOptions { Partitioners = [new CopyEverything(), GreedyPartitioner.Instance] });
        Assert.Equal(["copy-everything", "greedy"], split.Scores.Select(s => s.Partitioner));
        Assert.True(split.Scores[1].BytesLoaded < split.Scores[0].BytesLoaded);
        Assert.Equal("greedy", split.Chosen);
    }

    [Fact]
    public void A_split_that_fails_beside_the_plan_ends_the_build_only_once_the_plan_is_done()
    {
        // In the parallel tiers the plan runs beside the split and writes into the memo: a build that fails in the
        // split must not end (and give the memo back) while the plan still runs. The plan of 1,500 modules takes far
        // longer than the split takes to fail, and setting the memo's plan is its last step.
        var files = Enumerable.Range(0, 1_500).Select(i => File($"area{i % 7}/m{i:0000}.intent",
            $"---\ndepends: [{(i + 1 < 1_500 ? $"area{(i + 1) % 7}/m{i + 1:0000}" : "")}]\n---\nBuild checkout with Stripe, a dashboard and search. Item {i}.")).ToList();
        var project = Project.ProjectLoader.Select(files);
        var results = project.Sources.Select(f => ModuleCompiler.Compile(f, false, CompilationOptions.Default)).ToList();
        var memo = new FinishMemo();

        var failure = Record.Exception(() => Compilation.Finish(project, results, new FinishOptions { Parallel = true, Memo = memo, Partitioners = [new Failing()] }));

        Assert.Contains(Failing.Message, failure?.ToString() ?? "", StringComparison.Ordinal);
        Assert.NotNull(memo.Plan);
    }

    private sealed class Failing : IChunkPartitioner
    {
        public const string Message = "this partitioner fails";

        public string Name => "failing";

        public ChunkPartition Partition(SplitProblem problem) => throw new InvalidOperationException(Message);
    }

    private sealed class CopyEverything : IChunkPartitioner
    {
        public string Name => "copy-everything";

        public ChunkPartition Partition(SplitProblem problem) => new([.. problem.Groups.Select(_ => ChunkPartition.Duplicate)]);
    }
}
