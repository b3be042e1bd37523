using Grump.Hyper.Engine.Archives;

namespace Grump.Hyper.Api.Configuration;

/// <summary>The <c>Hyper</c> configuration section.</summary>
public sealed class HyperApiOptions
{
    public const string Section = "Hyper";

    /// <summary>Where jobs, sources and artifacts live when no Redis is configured (relative to the content root).</summary>
    public string DataPath { get; set; } = "data";

    /// <summary>The poll interval suggested to clients in <c>Retry-After</c>.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Hangfire workers in this process for compile jobs; 0 means one per core (compiles are CPU-bound).</summary>
    public int WorkerCount { get; set; }

    /// <summary>How long a finished job, its artifacts and its deliveries are kept.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// plan.json, graph.json and manifest.json made as blocks, so the store keeps an edited document as its new
    /// blocks: a 1% edit of 10,000 files stores 12 MiB instead of 36, and its job took 40-240 ms longer
    /// (measured side by side, two runs each). Off by default, as the product's promise is speed; turn it on
    /// where storage is what runs out.
    /// </summary>
    public bool DocumentBlocks { get; set; }

    public ArchiveLimits Limits { get; set; } = new();

    public WatchdogOptions Watchdog { get; set; } = new();
}

/// <summary><c>Hyper:Watchdog</c>: how unfinished jobs are reconciled with the work Hangfire holds for them.</summary>
public sealed class WatchdogOptions
{
    /// <summary>How often every process that runs jobs checks the unfinished ones (and once at its start).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A job whose Hangfire work is missing this long after it was accepted is lost (its process died).</summary>
    public TimeSpan LostAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a lost job is queued again before it fails: a job that kills its process fails instead of looping.</summary>
    public int MaxRecoveries { get; set; } = 3;

    /// <summary>The longest a job may take from acceptance to its end, queueing included; past it, it fails.</summary>
    public TimeSpan MaxJobDuration { get; set; } = TimeSpan.FromHours(6);
}
