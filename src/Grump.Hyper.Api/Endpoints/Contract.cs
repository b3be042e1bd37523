using System.Collections.Immutable;
using System.Text.Json;

// The HTTP contract: the shapes clients see in the result document and a job's metrics, owned here and
// mapped from the compiler's and engine's output in one place (ContractMapping), so a field added inside
// the compiler does not change openapi.yaml or any generated client by accident. The result document is
// streamed from stored artifacts; ContractTests reads it strictly into these types, so a compiler change
// that would reach clients fails a test until it is added here on purpose.
namespace Grump.Hyper.Api.Contract;


public sealed record CompilerStamp(string Name, string Version);

public sealed record ProjectStamp(string? Name, JsonElement? Constraints);

public sealed record InputEntry(string Path, string Sha256, long Bytes);

public sealed record ManifestModule(string Id, string Path, string File, string? Route, bool Lazy, bool Vendor);

public sealed record ChunkEntry(string Name, string Kind, string File, long Bytes, ImmutableArray<string> Modules);

public sealed record DiagnosticCounts(int Errors, int Warnings, int Infos);

public sealed record Manifest(
    CompilerStamp Compiler,
    ProjectStamp Project,
    ImmutableArray<InputEntry> Inputs,
    ImmutableArray<ManifestModule> Modules,
    ImmutableArray<ChunkEntry> Chunks,
    ImmutableSortedDictionary<string, ImmutableArray<string>> Routes,
    ImmutableSortedDictionary<string, ImmutableArray<string>> LazyChunks,
    bool Success,
    DiagnosticCounts Diagnostics);

public sealed record DiagnosticEntry(string Severity, string Code, string File, int Line, int Column, string Message);

/// <param name="EstimatedSeconds">Its action's seconds scaled by the feature's size, plus a step per tool (described in the OpenAPI document).</param>
/// <param name="DependsOn">The transitive reduction of what the task waits for (described in the OpenAPI document).</param>
public sealed record PlanTask(
    string Id,
    string Module,
    string Feature,
    string Action,
    string Description,
    int Priority,
    string Risk,
    ImmutableArray<string> Tools,
    int EstimatedSeconds,
    ImmutableArray<string> DependsOn,
    int Batch);

public sealed record RiskSummary(string Level, int Safe, int Moderate, int Risky, ImmutableArray<string> RiskFactors, bool AutoApprovable);

public sealed record CriticalPath(ImmutableArray<string> Tasks, int EstimatedSeconds);

public sealed record Plan(
    ImmutableArray<PlanTask> Tasks,
    ImmutableArray<string> ExecutionOrder,
    ImmutableArray<ImmutableArray<string>> ParallelBatches,
    CriticalPath CriticalPath,
    int EstimatedDurationSeconds,
    int SequentialSeconds,
    RiskSummary Risk);

/// <param name="Negated">True when the feature is not part of what the module will have: ruled out, or removed (<paramref name="Status"/> says which).</param>
/// <param name="Status">wanted, negated (ruled out: "no forum") or removed (there today and to go: "retire the forum"; its task is the removal).</param>
public sealed record FeatureInfo(string Name, string Action, bool Negated, int Priority, double Confidence, int Line, string MatchedAs, string Status);

/// <param name="Negated">True when the technology is not part of the stack the module asks for: ruled out, or removed (<paramref name="Status"/> says which); kept for readers of the first version.</param>
/// <param name="Status">wanted, negated (ruled out: "no Kafka") or removed (in use today and to go: "retire Memcached").</param>
/// <param name="ReplacedBy">For a removed technology, the one that replaces it when the text names it ("swap Angular for Svelte"); else null.</param>
public sealed record TechInfo(string Canonical, string MatchedAs, string Category, bool Negated, double Confidence, int Line, string Status, string? ReplacedBy = null);

public sealed record DataFlowInfo(string Kind, string MatchedAs, int Line);

public sealed record FeatureDependency(string From, string To, string Reason);

public sealed record SentenceInfo(int Index, int Line, string Text, ImmutableArray<string> Features, ImmutableArray<string> Tech);

public sealed record CompiledModule
{
    public required string Id { get; init; }
    public required string Path { get; init; }
    public required string Sha256 { get; init; }
    public required long Bytes { get; init; }
    public string? Title { get; init; }
    public string? Route { get; init; }
    public bool Lazy { get; init; }
    public int Priority { get; init; }
    public bool Vendor { get; init; }
    public ImmutableArray<string> Tags { get; init; } = [];
    public ImmutableArray<string> Depends { get; init; } = [];
    public ImmutableArray<string> Actors { get; init; } = [];
    public ImmutableArray<FeatureInfo> Features { get; init; } = [];
    public ImmutableArray<TechInfo> Tech { get; init; } = [];
    public ImmutableArray<DataFlowInfo> DataFlows { get; init; } = [];
    public required string ProjectType { get; init; }
    public required string Architecture { get; init; }
    public double Complexity { get; init; }
    public double Confidence { get; init; }
    public ImmutableArray<FeatureDependency> Dependencies { get; init; } = [];
    public ImmutableArray<SentenceInfo> Sentences { get; init; } = [];
}

public sealed record StageMetrics(string Name, double Milliseconds, int Items, long Bytes);

public sealed record CacheMetrics(long Hits, long Misses, long BytesServed, long Entries)
{
    /// <summary>Misses the Bloom filter answered without a table (or, with a shared cache, network) lookup.</summary>
    public long BloomSkips { get; init; }

    /// <summary>Distinct sources this cache has seen (HyperLogLog estimate).</summary>
    public long DistinctSources { get; init; }

    public long CacheBytes { get; init; }

    /// <summary>Hits served from the shared L2 (Redis) rather than this process's memory.</summary>
    public long L2Hits { get; init; }

    /// <summary>Bytes read from L2; <see cref="CacheMetrics.BytesServed"/> counts source bytes served from either level.</summary>
    public long L2BytesServed { get; init; }

    /// <summary>"redis" or "none".</summary>
    public string Level2 { get; init; } = "none";
}

public sealed record PartitionerScore(string Name, long BytesLoaded, bool Valid, bool Chosen);

public sealed record CompileMetrics
{
    public required string Tier { get; init; }
    public required string RequestedTier { get; init; }
    public ImmutableArray<string> Notes { get; init; } = [];
    public required int Files { get; init; }
    public required long Bytes { get; init; }
    public required int Modules { get; init; }
    public required double TotalMilliseconds { get; init; }
    public required double ThroughputMegabytesPerSecond { get; init; }
    public required int Parallelism { get; init; }
    public ImmutableArray<StageMetrics> Stages { get; init; } = [];

    /// <summary>The insane tier's shard plan: each planner's makespan (estimated bytes on the heaviest shard).</summary>
    public ImmutableArray<ShardScore> Shards { get; init; } = [];

    /// <summary>Present when the tier speculates (aggressive and up).</summary>
    public SpeculationMetrics? Speculation { get; init; }
    public CacheMetrics Cache { get; init; } = new(0, 0, 0, 0);
    public ImmutableSortedDictionary<string, string> Backends { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public ImmutableArray<string> Workers { get; init; } = [];

    /// <summary>Present when the insane tier fanned the compile out to worker processes.</summary>
    public DistributionMetrics? Distribution { get; init; }
    public ImmutableArray<PartitionerScore> Partitioners { get; init; } = [];

    /// <summary>
    /// Per stage, how many of its units were new, modified (recomputed, different), unchanged (recomputed,
    /// equal), cached (reused without recomputing) or removed, and the bytes it made anew: what makes a
    /// build's incrementality visible and testable.
    /// </summary>
    public ImmutableArray<StepReasons> Steps { get; init; } = [];
}

public sealed record SpeculationMetrics(int Predicted, int Changed, int PredictedAndChanged);

public sealed record ShardRun(int Shard, string Worker, int Files, long Bytes, double QueuedMilliseconds, double CompileMilliseconds, double IoMilliseconds, long CacheHits, long CacheMisses, long L2Hits);

public sealed record DistributionMetrics(int Shards, double PlanMilliseconds, double FanOutMilliseconds, ImmutableArray<ShardRun> Runs);

public sealed record ShardScore(string Planner, long Makespan, bool Chosen);

public sealed record StepReasons(string Stage, string Unit, int New, int Modified, int Unchanged, int Cached, int Removed, long BytesWritten);

/// <summary>The one place the engine's metrics become the contract's (the result document needs no mapping: it is the stored artifacts' own bytes).</summary>
public static class ContractMapping
{
    public static CompileMetrics Of(Grump.Hyper.Engine.Pipeline.CompileMetrics m) => new()
    {
        Tier = m.Tier,
        RequestedTier = m.RequestedTier,
        Notes = m.Notes,
        Files = m.Files,
        Bytes = m.Bytes,
        Modules = m.Modules,
        TotalMilliseconds = m.TotalMilliseconds,
        ThroughputMegabytesPerSecond = m.ThroughputMegabytesPerSecond,
        Parallelism = m.Parallelism,
        Stages = [.. m.Stages.Select(s => new StageMetrics(s.Name, s.Milliseconds, s.Items, s.Bytes))],
        Shards = [.. m.Shards.Select(s => new ShardScore(s.Planner, s.Makespan, s.Chosen))],
        Speculation = m.Speculation is { } p ? new SpeculationMetrics(p.Predicted, p.Changed, p.PredictedAndChanged) : null,
        Cache = new CacheMetrics(m.Cache.Hits, m.Cache.Misses, m.Cache.BytesServed, m.Cache.Entries)
        {
            BloomSkips = m.Cache.BloomSkips,
            DistinctSources = m.Cache.DistinctSources,
            CacheBytes = m.Cache.CacheBytes,
            L2Hits = m.Cache.L2Hits,
            L2BytesServed = m.Cache.L2BytesServed,
            Level2 = m.Cache.Level2,
        },
        Backends = m.Backends,
        Workers = m.Workers,
        Distribution = m.Distribution is { } d
            ? new DistributionMetrics(d.Shards, d.PlanMilliseconds, d.FanOutMilliseconds,
                [.. d.Runs.Select(r => new ShardRun(r.Shard, r.Worker, r.Files, r.Bytes, r.QueuedMilliseconds, r.CompileMilliseconds, r.IoMilliseconds, r.CacheHits, r.CacheMisses, r.L2Hits))])
            : null,
        Partitioners = [.. m.Partitioners.Select(p => new PartitionerScore(p.Name, p.BytesLoaded, p.Valid, p.Chosen))],
        Steps = [.. m.Steps.Select(s => new StepReasons(s.Stage, s.Unit, s.New, s.Modified, s.Unchanged, s.Cached, s.Removed, s.BytesWritten))],
    };
}
