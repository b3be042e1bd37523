using System.Collections.Immutable;
using System.Diagnostics;
using Grump.Hyper.Compiler;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;
using Grump.Hyper.Engine.Caching;
using Grump.Hyper.Engine.Optimisation;
using Grump.Hyper.Engine.Sharding;

namespace Grump.Hyper.Engine.Pipeline;

/// <summary>The files of a project cut into shards: positions in the project's sources, per shard.</summary>
public sealed record FanOutPlan(ShardPlan Plan, ImmutableArray<ImmutableArray<int>> Shards, double Milliseconds);

/// <summary>What one shard compiled, in the order of its files, and what the cache gave it.</summary>
public sealed record ShardOutput(ImmutableArray<ModuleResult> Modules, long CacheHits, long CacheMisses, long L2Hits);

/// <summary>
/// The insane tier's three steps when a compile is fanned out across processes: plan the shards, compile
/// each shard anywhere (through this process's L1 and the shared L2), then link everything in one place.
/// The steps share nothing but their inputs and outputs, so the caller decides where each runs; the
/// artifacts are byte-identical to a single-process aggressive compile of the same files.
/// </summary>
public sealed partial class HyperCompiler
{
    /// <summary>
    /// What a file costs beyond its bytes (a module's fixed work: lookups, rendering, hashing), in bytes,
    /// so that shards of many tiny files are not mistaken for light ones.
    /// </summary>
    private const long PerFileCost = 512;

    /// <param name="sourceBytes">The size of each source in project order: all the plan reads, so no source is loaded to plan.</param>
    public static FanOutPlan PlanFanOut(IReadOnlyList<long> sourceBytes, int shards)
    {
        var watch = Stopwatch.StartNew();
        var plan = ShardPlanner.Plan([.. sourceBytes.Select(bytes => bytes + PerFileCost)], shards);
        var members = Enumerable.Range(0, plan.ShardCosts.Length).Select(_ => ImmutableArray.CreateBuilder<int>()).ToArray();
        for (var i = 0; i < plan.ShardOf.Length; i++)
        {
            members[plan.ShardOf[i]].Add(i);
        }

        return new FanOutPlan(plan, [.. members.Where(m => m.Count > 0).Select(m => m.ToImmutable())], watch.Elapsed.TotalMilliseconds);
    }

    /// <summary>Compiles one shard's files with everything the aggressive tier uses inside a process.</summary>
    public ShardOutput CompileShard(IReadOnlyList<SourceFile> files, IReadOnlyList<bool> vendor, HyperOptions options, Action<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var counters = new CacheCounters();
        var prefetched = _cache.Prefetch([.. files.Select((f, i) => (f, vendor[i]))], options.Compilation, counters);
        var (hints, _) = ScanSources(files);
        var modules = CompileModules(files, i => vendor[i], options.Compilation, options.Parallelism ?? Environment.ProcessorCount, _cache, counters, _tiered.Value, hints, null, progress, cancellationToken, prefetched: prefetched);
        return new ShardOutput(modules, counters.Hits, counters.Misses, counters.L2Hits);
    }

    /// <summary>
    /// Links the shards' modules (<paramref name="modules"/> in the order of the project's sources, the project as
    /// the fan-out planned it: one selection, made when the upload was accepted) and
    /// writes the artifacts, with metrics that describe the whole fanned-out compile.
    /// </summary>
    public HyperResult Link(ProjectSelection project, IReadOnlyList<ModuleResult> modules, DistributionMetrics distribution, HyperOptions options)
    {
        var watch = Stopwatch.StartNew();
        if (modules.Count != project.Sources.Length || modules.Where((m, i) => m.Path != project.Sources[i].Path).Any())
        {
            throw new InvalidOperationException($"The shards returned {modules.Count} modules that do not match the project's {project.Sources.Length} sources.");
        }

        var bytes = project.Sources.Sum(s => s.Size);
        var stages = ImmutableArray.CreateBuilder<StageMetrics>();
        stages.Add(new StageMetrics("shard-plan", distribution.PlanMilliseconds, distribution.Shards, 0));
        stages.Add(new StageMetrics("shards", distribution.FanOutMilliseconds, modules.Count, bytes));
        var stateKey = StateKey(project, options);
        var state = _states.Take(stateKey);
        var compileReasons = state.CompileReasons(project.Sources, modules, project.IsVendor);
        var finish = new FinishOptions { Parallel = Environment.ProcessorCount > 1, Memo = state.Finish, DocumentBlocks = options.DocumentBlocks, FallbackPartitioners = OptimisingPartitioner.Optimisers };
        var compilation = Compilation.Finish(project, modules, finish, stage: (name, time) => stages.Add(new StageMetrics(name, time.TotalMilliseconds, modules.Count, 0)));
        _states.Give(stateKey, state);

        var elapsed = distribution.PlanMilliseconds + distribution.FanOutMilliseconds + watch.Elapsed.TotalMilliseconds;
        var runs = distribution.Runs;
        var metrics = new CompileMetrics
        {
            Tier = CompileTier.Insane.Name(),
            RequestedTier = options.Tier.Name(),
            Files = project.Sources.Length,
            Bytes = bytes,
            Modules = compilation.ModuleCount,
            TotalMilliseconds = Math.Round(elapsed, 3),
            ThroughputMegabytesPerSecond = elapsed > 0 ? Math.Round(bytes / 1_048_576.0 / (elapsed / 1000), 3) : 0,
            Parallelism = distribution.Shards,
            Stages = stages.ToImmutable(),
            Cache = new CacheMetrics(runs.Sum(r => r.CacheHits), runs.Sum(r => r.CacheMisses), 0, _cache.Count) { L2Hits = runs.Sum(r => r.L2Hits), Level2 = _cache.Level2 },
            Workers = [.. runs.Select(r => r.Worker).Distinct().Order(StringComparer.Ordinal)],
            Distribution = distribution,
            Partitioners = PartitionersOf(compilation),
            Steps = [compileReasons, .. compilation.Steps],
        };
        return Seal(compilation, metrics);
    }
}
