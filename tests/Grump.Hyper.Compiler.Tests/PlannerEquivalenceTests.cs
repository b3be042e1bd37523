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

    private static readonly Gen<Module[]> Projects = Gen.Int[1, 40].SelectMany(n =>
        Gen.Select(Gen.Int[1, 5], Gen.Int[0, n - 1].Array[0, 4], Gen.Select(Gen.Int[0, Phrases.Length - 1], Gen.Int[0, 5].Select(x => x == 0)).Array[0, 6],
            (priority, depends, wants) => new Module(priority, depends, wants)).Array[n]);

    private static string Plan(Plan plan) => JsonSerializer.Serialize(plan, ArtifactJson.Default.Plan);

    private static LinkResult Link(Module[] project)
    {
        var modules = project.Select((m, i) =>
        {
            var text = new StringBuilder($"---\nid: m{i:00}\npriority: {m.Priority}\n");
            if (m.Depends.Length > 0)
            {
                text.Append("depends: [").Append(string.Join(", ", m.Depends.Distinct().Where(d => d != i).Select(d => $"m{d:00}"))).Append("]\n");
            }

            text.Append("---\n");
            foreach (var (phrase, negated) in m.Wants)
            {
                text.Append(negated ? $"No {Phrases[phrase]} for now.\n" : $"Build {Phrases[phrase]}.\n");
            }

            return ModuleCompiler.Compile(new SourceFile($"m{i:00}.intent", Encoding.UTF8.GetBytes(text.ToString())), false, CompilationOptions.Default).Module!;
        });
        return Linker.Link(modules);
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
    public void Some_random_projects_have_cycles_and_cross_module_rules_so_the_comparison_covers_them()
    {
        var cyclic = 0;
        var crossModule = 0;
        Projects.Sample(project =>
        {
            var link = Link(project);
            cyclic += link.Diagnostics.Any(d => d.Code == "GH1032") ? 1 : 0;
            var plan = Planner.Build(link);
            crossModule += plan.Tasks.Any(task => task.DependsOn.Any(d => !d.StartsWith(task.Module + ":", StringComparison.Ordinal))) ? 1 : 0;
        }, iter: 200, seed: "2cQ4Hh1Xk7mD", threads: 1);
        Assert.True(cyclic > 10, $"{cyclic} cyclic projects");
        Assert.True(crossModule > 50, $"{crossModule} projects with cross-module dependencies");
    }
}
