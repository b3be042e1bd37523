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

    public ArchiveLimits Limits { get; set; } = new();
}
