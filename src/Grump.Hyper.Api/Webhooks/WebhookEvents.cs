using Grump.Hyper.Api.Storage;
using Hangfire;

namespace Grump.Hyper.Api.Webhooks;

/// <summary>The events a job can send, and the default when a caller names none.</summary>
public static class WebhookEvents
{
    public const string Started = "job.started";
    public const string Succeeded = "job.succeeded";
    public const string Failed = "job.failed";
    public const string Cancelled = "job.cancelled";

    public static readonly IReadOnlyList<string> All = [Started, Succeeded, Failed, Cancelled];

    public static readonly IReadOnlyList<string> Default = [Succeeded, Failed, Cancelled];

    public static string ForStatus(string status) => status switch
    {
        JobStatus.Succeeded => Succeeded,
        JobStatus.Failed => Failed,
        JobStatus.Cancelled => Cancelled,
        _ => Started,
    };
}

/// <summary>Records a delivery for a job event the caller asked for, and queues its Hangfire job.</summary>
public sealed class WebhookDispatcher(IDeliveryStore deliveries, IBackgroundJobClient jobs)
{
    public const string Queue = "webhooks";

    public async Task DispatchAsync(JobRecord job, string eventType, CancellationToken cancellationToken)
    {
        if (job.CallbackUrl is null)
        {
            return;
        }

        var wanted = job.CallbackEvents.IsDefaultOrEmpty ? WebhookEvents.Default : job.CallbackEvents;
        if (!wanted.Contains(eventType))
        {
            return;
        }

        var delivery = new DeliveryRecord
        {
            // Also the webhook-id: the same across retries, so receivers can drop duplicates.
            Id = "msg_" + Guid.CreateVersion7().ToString("n"),
            JobId = job.Id,
            Event = eventType,
            Url = job.CallbackUrl,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await deliveries.SaveDeliveryAsync(delivery, cancellationToken);
        jobs.Enqueue<WebhookJob>(Queue, w => w.RunAsync(job.Id, delivery.Id, 0, CancellationToken.None));
    }
}
