using Grump.Hyper.Api.Storage;
using Hangfire;

namespace Grump.Hyper.Api.Jobs;

/// <summary>Queues a compile job and records its Hangfire id on the job record, which is what the watchdog checks.</summary>
public static class CompileEnqueuer
{
    public static async Task EnqueueAsync(IJobRecords records, IBackgroundJobClient jobs, string jobId, CancellationToken cancellationToken)
    {
        var hangfireId = jobs.Enqueue<CompileJob>(CompileJob.Queue, j => j.RunAsync(jobId, null, CancellationToken.None));
        await records.UpdateAsync(jobId, j => JobStatus.IsFinished(j.Status) ? null : j with { HangfireJobId = hangfireId }, cancellationToken);
    }
}
