using System.Text;
using System.Text.Json;
using CsCheck;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Linking;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Planning;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// The planner on int indexes gives the same plan as the first, string-keyed one, byte for byte in
/// plan.json, on random projects: features that pull rules across depends, negations, shared
/// features, priorities, and dependency cycles (which the linker reports and the planner survives).
/// </summary>
public sealed class PlannerEquivalenceTests
{
    private static readonly string[] Phrases =
    [
        "an admin panel", "two-factor authentication", "user authentication", "role-based access control", "a shopping cart",
        "checkout with Stripe", "payments", "order history", "full-text search", "a dashboard with charts", "push notifications",
        "CSV export", "an audit log", "product reviews", "a wishlist", "real-time updates", "webhooks", "file uploads", "rate limiting",
        "background jobs", "a booking calendar", "dark mode",
    ];

    internal sealed record Module(int Priority, int[] Depends, (int Phrase, bool Negated)[] Wants);

    // Half the projects are layered (depends only on lower-numbered modules, so acyclic: the plan lists the
    // transitive reduction); the other half depend anywhere, so most of them have a cycle.
    private static readonly Gen<Module[]> Projects = Gen.Select(Gen.Int[1, 40], Gen.Bool).SelectMany((n, layered) =>
        Gen.Select(Gen.Int[1, 5], Gen.Int[0, n - 1].Array[0, 4], Gen.Select(Gen.Int[0, Phrases.Length - 1], Gen.Int[0, 5].Select(x => x == 0)).Array[0, 6],
            (priority, depends, wants) => new Module(priority, depends, wants)).Array[n]
            .Select(modules => layered ? [.. modules.Select((m, i) => m with { Depends = i == 0 ? [] : [.. m.Depends.Select(d => d % i)] })] : modules));

    private static string Plan(Plan plan) => JsonSerializer.Serialize(plan, ArtifactJson.Default.Plan);

    private static LinkResult Link(Module[] project) => Linker.Link(Compile(project, []));

    /// <summary>
    /// Module ids where one is the start of others that go on with a character below ':' (m001, m001-a, m001/b, m0010,
    /// m001.c): a task id is the module id, ':' and the feature, so those modules' tasks sort in another order than the
    /// modules' ids, which the planners' sorts through modules (TaskIdOrder) must get right.
    /// </summary>
    private static string Id(int i) => $"m{i / 5:000}" + (i % 5) switch { 0 => "", 1 => "-a", 2 => "/b", 3 => "0", _ => ".c" };

    /// <summary>The project's modules; a module whose text a build before compiled is that very object (as the engine's caches hand back).</summary>
    private static CompiledModule[] Compile(Module[] project, Dictionary<string, CompiledModule> compiled) =>
        [.. project.Select((m, i) =>
        {
            var text = new StringBuilder($"---\nid: {Id(i)}\npriority: {m.Priority}\n");
            if (m.Depends.Length > 0)
            {
                text.Append("depends: [").Append(string.Join(", ", m.Depends.Distinct().Where(d => d != i).Select(Id))).Append("]\n");
            }

            text.Append("---\n");
            foreach (var (phrase, negated) in m.Wants)
            {
                text.Append(negated ? $"No {Phrases[phrase]} for now.\n" : $"Build {Phrases[phrase]}.\n");
            }

            var source = text.ToString();
            if (!compiled.TryGetValue(source, out var module))
            {
                compiled[source] = module = ModuleCompiler.Compile(new SourceFile($"m{i:00}.intent", Encoding.UTF8.GetBytes(source)), false, CompilationOptions.Default).Module!;
            }

            return module;
        })];

    /// <summary>One edit of a project: a module's wants or priority rewritten, its depends rewritten, a module added, or the last removed.</summary>
    private static readonly Gen<Func<Module[], Module[]>> Edits = Gen.Select(Gen.Int[0, 5], Gen.Int[0, 1000], Gen.Int[1, 5],
        Gen.Select(Gen.Int[0, Phrases.Length - 1], Gen.Int[0, 5].Select(x => x == 0)).Array[0, 6], Gen.Int[0, 1000].Array[0, 3],
        (kind, at, priority, wants, depends) => (Func<Module[], Module[]>)(project =>
        {
            var i = at % project.Length;
            var edited = project.ToArray();
            switch (kind)
            {
                case 0 or 1:
                    edited[i] = edited[i] with { Wants = wants };
                    break;
                case 2:
                    edited[i] = edited[i] with { Priority = priority, Wants = [.. edited[i].Wants, .. wants.Take(1)] };
                    break;
                case 3:
                    edited[i] = edited[i] with { Depends = [.. depends.Select(d => d % project.Length)] };
                    break;
                case 4:
                    edited = [.. edited, new Module(priority, [.. depends.Select(d => d % project.Length)], wants)];
                    break;
                default:
                    edited = project.Length > 1 ? edited[..^1] : edited;
                    break;
            }

            return edited;
        }));

    [Fact]
    public void Repairing_the_kept_plan_through_random_edits_gives_the_plan_a_fresh_planner_makes()
    {
        Gen.Select(Projects, Edits.Array[1, 8]).Sample((project, edits) =>
        {
            var memo = new FinishMemo();
            var compiled = new Dictionary<string, CompiledModule>();
            foreach (var version in edits.Aggregate(new List<Module[]> { project }, (list, edit) => [.. list, edit(list[^1])]))
            {
                var (link, _) = Incremental.Link(Compile(version, compiled), memo);
                var (plan, _) = Incremental.Plan(link, memo);
                Assert.Equal(Plan(ReferencePlanner.Build(Linker.Link(link.Modules))), Plan(plan));
            }
        }, iter: 300, seed: "5fR2kLm9Qx3T");
    }

    [Fact]
    public void Repairing_large_projects_side_by_side_gives_the_plan_a_fresh_planner_makes()
    {
        // Past the repair's threshold for sharing work out (512 modules or tasks): rules, tasks made again and the
        // execution order sorted by id rank take their parallel and large paths, on a first build, on every module's
        // priority changed at once, and on small random edits after.
        var large = Gen.Int[600, 800].SelectMany(n =>
            Gen.Select(Gen.Int[1, 5], Gen.Int[0, n - 1].Array[0, 3], Gen.Select(Gen.Int[0, Phrases.Length - 1], Gen.Int[0, 5].Select(x => x == 0)).Array[1, 5],
                (priority, depends, wants) => new Module(priority, depends, wants)).Array[n]
            .Select(modules => modules.Select((m, i) => m with { Depends = i == 0 ? [] : [.. m.Depends.Select(d => d % i)] }).ToArray()));
        Gen.Select(large, Edits.Array[1, 3]).Sample((project, edits) =>
        {
            var memo = new FinishMemo();
            var compiled = new Dictionary<string, CompiledModule>();
            var versions = new List<Module[]> { project, project.Select(m => m with { Priority = (m.Priority % 5) + 1 }).ToArray() };
            foreach (var version in edits.Aggregate(versions, (list, edit) => [.. list, edit(list[^1])]))
            {
                var (link, _) = Incremental.Link(Compile(version, compiled), memo);
                var (plan, _) = Incremental.Plan(link, memo, parallel: true);
                Assert.Equal(Plan(Planner.Build(Linker.Link(link.Modules))), Plan(plan));
            }
        }, iter: 8, seed: "9dK3wQp7Lz2B");
    }

    [Fact]
    public void The_fast_planner_equals_the_reference_on_random_projects_cycles_included()
    {
        Projects.Sample(project =>
        {
            var link = Link(project);
            Assert.Equal(Plan(ReferencePlanner.Build(link)), Plan(Planner.Build(link)));
        }, iter: 400, seed: "2cQ4Hh1Xk7mD");
    }

    [Fact]
    public void Some_random_projects_have_cycles_cross_module_rules_and_implied_waits_so_the_comparison_covers_them()
    {
        var cyclic = 0;
        var crossModule = 0;
        var reduced = 0;
        Projects.Sample(project =>
        {
            var link = Link(project);
            cyclic += link.Diagnostics.Any(d => d.Code == "GH1032") ? 1 : 0;
            var plan = Planner.Build(link);
            crossModule += plan.Tasks.Any(task => task.DependsOn.Any(d => !d.StartsWith(task.Module + ":", StringComparison.Ordinal))) ? 1 : 0;
            reduced += ReferencePlanner.Build(link, reduce: false).Tasks.Sum(t => t.DependsOn.Length) > plan.Tasks.Sum(t => t.DependsOn.Length) ? 1 : 0;
        }, iter: 200, seed: "2cQ4Hh1Xk7mD", threads: 1);
        Assert.True(cyclic > 10, $"{cyclic} cyclic projects");
        Assert.True(crossModule > 50, $"{crossModule} projects with cross-module dependencies");
        Assert.True(reduced > 50, $"{reduced} projects with implied waits");
    }

    [Fact]
    public void Listing_only_the_reduction_keeps_every_reachable_task_the_batches_and_the_critical_path()
    {
        Projects.Sample(project =>
        {
            var link = Link(project);
            var full = ReferencePlanner.Build(link, reduce: false);
            var plan = Planner.Build(link);
            Assert.Equal(full.ExecutionOrder, plan.ExecutionOrder);
            Assert.Equal(full.ParallelBatches.Select(b => string.Join(',', b)), plan.ParallelBatches.Select(b => string.Join(',', b)));
            Assert.Equal(full.CriticalPath.Tasks, plan.CriticalPath.Tasks);
            Assert.Equal(full.EstimatedDurationSeconds, plan.EstimatedDurationSeconds);
            Assert.Equal(Closure(full), Closure(plan));
        }, iter: 300, seed: "7tWb3Zp0Ne4R");
    }

    /// <summary>Every (task, task it waits for, directly or not) pair, as sorted strings.</summary>
    private static string[] Closure(Plan plan)
    {
        var deps = plan.Tasks.ToDictionary(t => t.Id, t => t.DependsOn, StringComparer.Ordinal);
        var pairs = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var task in plan.Tasks)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var stack = new Stack<string>(deps[task.Id]);
            while (stack.TryPop(out var d))
            {
                if (seen.Add(d))
                {
                    pairs.Add(task.Id + ">" + d);
                    foreach (var next in deps[d])
                    {
                        stack.Push(next);
                    }
                }
            }
        }

        return [.. pairs];
    }
}
