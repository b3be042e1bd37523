using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Grump.Hyper.Engine.Pipeline;

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

/// <summary>One chunk partitioner's answer: its objective (bytes loaded up front over all routes), and whether it met the limits.</summary>
public sealed record PartitionerScore(string Name, long BytesLoaded, bool Valid, bool Chosen);

/// <summary>The contents of <c>metrics.json</c>: how a compile went, never what it produced.</summary>
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
    public ImmutableArray<Sharding.ShardScore> Shards { get; init; } = [];

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
    public ImmutableArray<Grump.Hyper.Compiler.StepReasons> Steps { get; init; } = [];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, NewLine = "\n")]
[JsonSerializable(typeof(CompileMetrics))]
public sealed partial class MetricsJson : JsonSerializerContext;

/// <summary>How the change model's guess for this build compared with what actually changed.</summary>
public sealed record SpeculationMetrics(int Predicted, int Changed, int PredictedAndChanged);

/// <summary>
/// One shard of a fanned-out compile as it ran: which worker process, how long it waited in the queue
/// (from the plan to its start), how long it compiled, how long it spent on I/O (reading its sources,
/// storing its modules and counting itself done), and what the cache gave it.
/// </summary>
public sealed record ShardRun(int Shard, string Worker, int Files, long Bytes, double QueuedMilliseconds, double CompileMilliseconds, double IoMilliseconds, long CacheHits, long CacheMisses, long L2Hits);

/// <summary>How a fanned-out compile went: planning, the wall time from plan to last shard, and each shard.</summary>
public sealed record DistributionMetrics(int Shards, double PlanMilliseconds, double FanOutMilliseconds, ImmutableArray<ShardRun> Runs);
