using System.Diagnostics.Metrics;

namespace Grump.Hyper.Engine.Pipeline;

/// <summary>The engine's OpenTelemetry instruments (plain System.Diagnostics.Metrics: any exporter can listen).</summary>
public static class EngineMetrics
{
    public const string MeterName = "Grump.Hyper.Engine";

    private static readonly Meter Meter = new(MeterName, Grump.Hyper.Compiler.CompilerInfo.Version);

    public static readonly Histogram<double> StageDuration = Meter.CreateHistogram<double>("grump.compile.stage.duration", "s", "Time spent in each compile stage");

    public static readonly Counter<long> CacheRequests = Meter.CreateCounter<long>("grump.cache.requests", "{request}", "Module cache lookups by tier and result");

    public static readonly Counter<long> CompiledBytes = Meter.CreateCounter<long>("grump.compile.bytes", "By", "Source bytes compiled");

    public static void Record(CompileMetrics metrics)
    {
        var tier = new KeyValuePair<string, object?>("tier", metrics.Tier);
        foreach (var stage in metrics.Stages)
        {
            StageDuration.Record(stage.Milliseconds / 1000, tier, new("stage", stage.Name));
        }

        CacheRequests.Add(metrics.Cache.Hits, tier, new("result", "hit"));
        CacheRequests.Add(metrics.Cache.Misses, tier, new("result", "miss"));
        CompiledBytes.Add(metrics.Bytes, tier);
    }
}
