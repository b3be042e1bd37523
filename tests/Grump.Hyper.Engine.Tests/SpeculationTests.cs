using System.Text;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Engine.Pipeline;
using Grump.Hyper.Engine.Speculation;

namespace Grump.Hyper.Engine.Tests;

public sealed class SpeculationTests
{
    [Fact]
    public void Modules_that_changed_together_are_predicted_together()
    {
        var model = new ChangeModel();
        model.Observe("p", ["a", "b"]);
        model.Observe("p", ["c"]);
        model.Observe("p", ["a", "b"]);
        model.Observe("p", ["a", "b", "d"]);

        var predicted = model.Predict("p", ["a"]);
        Assert.Equal("b", predicted[0].Module);
        Assert.InRange(predicted[0].Probability, 0.7, 1.0);
        Assert.DoesNotContain(predicted, p => p.Module == "a");
        Assert.Empty(model.Predict("other project", ["a"]));
    }

    [Fact]
    public void Followers_per_module_are_bounded()
    {
        var model = new ChangeModel();
        for (var i = 0; i < 200; i++)
        {
            model.Observe("p", ["hub", $"m{i}"]);
        }

        Assert.True(model.Predict("p", ["hub"], threshold: 0).Count <= ChangeModel.MaxFollowers);
    }

    [Fact]
    public void A_sweeping_build_teaches_nothing_and_costs_nothing()
    {
        var model = new ChangeModel();
        model.Observe("p", ["a", "b"]);
        model.Observe("p", [.. Enumerable.Range(0, 20_000).Select(i => $"m{i}")]);
        Assert.Empty(model.Predict("p", ["m1"]));
        Assert.Equal("b", model.Predict("p", ["a"]).Single().Module);
    }

    [Fact]
    public void Speculation_learns_co_changes_and_never_changes_artifacts()
    {
        static List<SourceFile> Build(int version) => [.. Enumerable.Range(0, 12).Select(i => new SourceFile(
            $"m{i}.intent",
            Encoding.UTF8.GetBytes($"---\nid: m{i}\n---\nBuild a shopping cart{(i is 2 or 5 ? $" version {version}" : string.Empty)}.\n")))];

        var compiler = new HyperCompiler();
        // Off in the default tiers (it measured no gain); switched on here to test the subsystem itself.
        var options = HyperOptions.Default with { Tier = CompileTier.Aggressive, ProjectKey = "tenant-a", Profile = TierProfile.For(CompileTier.Aggressive) with { Speculation = true } };
        HyperResult? last = null;
        for (var version = 0; version < 4; version++)
        {
            last = compiler.Compile(Build(version), options, cancellationToken: TestContext.Current.CancellationToken);
        }

        var speculation = last!.Metrics.Speculation!;
        Assert.Equal(2, speculation.Changed);
        Assert.Equal(2, speculation.PredictedAndChanged);
        var plain = new HyperCompiler().Compile(Build(3), options with { Tier = CompileTier.Conservative, Profile = null }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(plain.Metrics.Speculation);
        Assert.Equal(plain.Artifacts[ArtifactSet.Manifest], last.Artifacts[ArtifactSet.Manifest]);
        Assert.Equal(plain.Artifacts[ArtifactSet.Plan], last.Artifacts[ArtifactSet.Plan]);
    }
}
