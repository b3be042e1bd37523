using System.Diagnostics.Metrics;
using Hangfire;

namespace Grump.Hyper.Api.Observability;

/// <summary>The service's instruments, exported at /metrics in Prometheus format.</summary>
public sealed class ApiMetrics
{
    public const string MeterName = "Grump.Hyper.Api";

    private readonly Counter<long> _submitted;
    private readonly Counter<long> _finished;
    private readonly Counter<long> _uploadBytes;
    private readonly Counter<long> _webhookAttempts;
    private readonly Counter<long> _uploadsRemembered;

    public ApiMetrics(IMeterFactory meters, JobStorage storage)
    {
        var meter = meters.Create(MeterName, Grump.Hyper.Compiler.CompilerInfo.Version);
        _submitted = meter.CreateCounter<long>("grump.jobs.submitted", "{job}", "Jobs accepted");
        _finished = meter.CreateCounter<long>("grump.jobs.finished", "{job}", "Jobs finished, by status");
        _uploadBytes = meter.CreateCounter<long>("grump.upload.bytes", "By", "Archive bytes accepted");
        _webhookAttempts = meter.CreateCounter<long>("grump.webhook.attempts", "{attempt}", "Webhook delivery attempts, by outcome");
        _uploadsRemembered = meter.CreateCounter<long>("grump.uploads.remembered", "{upload}", "Archives accepted before, taken without reading them again");
        meter.CreateObservableGauge("grump.queue.depth", () => QueueDepth(storage), "{job}", "Jobs waiting in each Hangfire queue");
    }

    public void Submitted(string tier, long bytes)
    {
        _submitted.Add(1, new KeyValuePair<string, object?>("tier", tier));
        _uploadBytes.Add(bytes);
    }

    public void UploadRemembered() => _uploadsRemembered.Add(1);

    public void Finished(string status) => _finished.Add(1, new KeyValuePair<string, object?>("status", status));

    public void WebhookAttempt(string outcome) => _webhookAttempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    private static IEnumerable<Measurement<long>> QueueDepth(JobStorage storage)
    {
        IList<Hangfire.Storage.Monitoring.QueueWithTopEnqueuedJobsDto> queues;
        try
        {
            queues = storage.GetMonitoringApi().Queues();
        }
        catch (Exception)
        {
            yield break; // storage unreachable: readiness reports it; the gauge just has no value
        }

        foreach (var queue in queues)
        {
            yield return new Measurement<long>(queue.Length, new KeyValuePair<string, object?>("queue", queue.Name));
        }
    }
}
