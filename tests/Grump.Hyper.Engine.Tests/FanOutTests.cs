using System.Collections.Immutable;
using System.Text;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;
using Grump.Hyper.Engine.Caching;
using Grump.Hyper.Engine.Pipeline;

namespace Grump.Hyper.Engine.Tests;

/// <summary>The fan-out steps (plan, shard, link) run here in one process, each shard on its own compiler, as separate workers would.</summary>
public sealed class FanOutTests
{
    private static IReadOnlyList<SourceFile> Project(int count) =>
    [
        new("grump.json", """{ "name": "fan", "vendor": ["vendor/**"] }"""u8.ToArray()),
        .. Enumerable.Range(0, count).Select(i => new SourceFile((i % 9 == 0 ? "vendor/" : $"area{i % 5}/") + $"m{i:000}.intent", Encoding.UTF8.GetBytes(
            $"---\ndepends: [area{(i + 1) % 5}/m{(i + 1) % count:000}]\n---\nAs an admin I want an audit log and CSV export in Vue; no Kafka. Item {i}."))),
        new("area0/broken.intent", "---\nroute: nope\n---\nBuild a cart.\n"u8.ToArray()),
    ];

    [Fact]
    public void Shards_compiled_on_separate_compilers_link_to_the_aggressive_artifacts()
    {
        var files = Project(150);
        var aggressive = new HyperCompiler().Compile(files, HyperOptions.Default with { Tier = CompileTier.Aggressive }, cancellationToken: TestContext.Current.CancellationToken);
        // As the service runs it: the manifest made at upload, the selection read back from it, the plan from its sizes.
        var manifest = ProjectManifest.Of(ProjectLoader.Select(files));
        var project = manifest.Select(ProjectLoader.Select(files).Inputs);
        var plan = HyperCompiler.PlanFanOut([.. manifest.Inputs.Where(i => i.Role != InputRole.Project).Select(i => i.Bytes)], 3);
        Assert.Equal(3, plan.Shards.Length);
        Assert.Equal(Enumerable.Range(0, project.Sources.Length), plan.Shards.SelectMany(s => s).Order());

        var modules = new ModuleResult[project.Sources.Length];
        var runs = ImmutableArray.CreateBuilder<ShardRun>();
        foreach (var (positions, index) in plan.Shards.Select((p, i) => (p, i)))
        {
            var output = new HyperCompiler().CompileShard([.. positions.Select(p => project.Sources[p])], [.. positions.Select(p => project.VendorPaths.Contains(project.Sources[p].Path))],
                HyperOptions.Default with { Tier = CompileTier.Insane }, cancellationToken: TestContext.Current.CancellationToken);
            var travelled = ModuleCodec.DecodeMany(ModuleCodec.EncodeMany(output.Modules))!.Value; // as a worker hands them over
            for (var i = 0; i < positions.Length; i++)
            {
                modules[positions[i]] = travelled[i];
            }

            runs.Add(new ShardRun(index, $"worker-{index}", positions.Length, 0, 1, 2, 3, output.CacheHits, output.CacheMisses, output.L2Hits));
        }

        // The link job reads the manifest alone: no source's bytes are loaded for it, and none are read.
        var described = manifest.Describe();
        Assert.Throws<InvalidOperationException>(() => described.Sources[0].Content);
        var linked = new HyperCompiler().Link(described, modules, new DistributionMetrics(3, 1, 10, runs.ToImmutable()), HyperOptions.Default with { Tier = CompileTier.Insane });

        Assert.Equal(aggressive.Artifacts.Select(a => a.Key), linked.Artifacts.Select(a => a.Key));
        foreach (var (path, content) in aggressive.Artifacts.Where(a => a.Key != ArtifactSet.Metrics))
        {
            Assert.True(content.ToArray().AsSpan().SequenceEqual(linked.Artifacts[path]), $"{path} differs");
        }

        Assert.Equal("insane", linked.Metrics.Tier);
        Assert.Equal(["worker-0", "worker-1", "worker-2"], linked.Metrics.Workers);
        Assert.Equal(project.Sources.Length, linked.Metrics.Cache.Misses);
    }

    [Fact]
    public void Link_refuses_modules_that_do_not_match_the_project()
    {
        var files = Project(10);
        var project = ProjectLoader.Select(files);
        var output = new HyperCompiler().CompileShard(project.Sources, [.. project.Sources.Select(_ => false)], HyperOptions.Default, cancellationToken: TestContext.Current.CancellationToken);
        var shuffled = output.Modules.Reverse().ToArray();

        Assert.Throws<InvalidOperationException>(() => new HyperCompiler().Link(project, shuffled, new DistributionMetrics(1, 0, 0, []), HyperOptions.Default));
        Assert.Throws<InvalidOperationException>(() => new HyperCompiler().Link(project, output.Modules[1..], new DistributionMetrics(1, 0, 0, []), HyperOptions.Default));
    }

    [Fact]
    public void A_truncated_or_padded_shard_output_is_refused_whole()
    {
        var project = ProjectLoader.Select(Project(5));
        var bytes = ModuleCodec.EncodeMany(new HyperCompiler().CompileShard(project.Sources, [.. project.Sources.Select(_ => false)], HyperOptions.Default, cancellationToken: TestContext.Current.CancellationToken).Modules);

        Assert.Equal(project.Sources.Length, ModuleCodec.DecodeMany(bytes)!.Value.Length);
        Assert.Null(ModuleCodec.DecodeMany(bytes.AsSpan(0, bytes.Length - 1)));
        Assert.Null(ModuleCodec.DecodeMany([.. bytes, 0]));
        Assert.Null(ModuleCodec.DecodeMany([1, 2]));
    }
}
