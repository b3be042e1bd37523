namespace Grump.Hyper.Api.Distribution;

/// <summary><c>Hyper:Distributed</c>: how the insane tier fans a compile out over worker processes.</summary>
public sealed class DistributedOptions
{
    public const string Section = "Hyper:Distributed";

    /// <summary>
    /// How long a fetched Hangfire job may stay unfinished before another worker takes it over (its worker
    /// is presumed dead). Shards take seconds, so two minutes recovers a dead worker's shard quickly while
    /// staying above the longest single job this service runs under its default limits (a whole
    /// non-distributed compile of the largest accepted archive): a live job older than this is run twice.
    /// </summary>
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Hangfire workers in this process for shard and link jobs; 0 means one per core.</summary>
    public int ShardWorkers { get; set; }

    /// <summary>Shards per compile; 0 means one per live shard worker in the cluster.</summary>
    public int Shards { get; set; }

    /// <summary>A shard gets at least this many files, so small projects do not pay the fan-out overhead many times.</summary>
    public int MinFilesPerShard { get; set; } = 250;

    public int MaxShards { get; set; } = 64;

    /// <summary>How long fan-out state (the plan, shard outputs) is kept if a compile never links.</summary>
    public TimeSpan StateTtl { get; set; } = TimeSpan.FromHours(24);
}
