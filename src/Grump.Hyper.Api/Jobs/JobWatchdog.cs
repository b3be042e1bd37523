using Grump.Hyper.Api.Configuration;
using Grump.Hyper.Api.Storage;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.Options;

namespace Grump.Hyper.Api.Jobs;

/// <summary>
/// Keeps the promise that every accepted job ends: it compares each unfinished job record with the
/// Hangfire work that should be running it, and repairs the difference. Work that is gone (in-memory
/// Hangfire forgot it when its process died, or the process died between storing the record and queueing
/// it) is queued again, a bounded number of times; work that Hangfire failed or deleted fails the record
/// with the reason; a job older than <see cref="WatchdogOptions.MaxJobDuration"/> fails. Every change is
/// a compare-and-set on the record, so several processes may sweep at once.
/// </summary>
public sealed class JobWatchdog(IJobRecords records, JobStorage hangfire, IBackgroundJobClient jobs, JobFinisher finisher,
    IOptions<HyperApiOptions> options, TimeProvider time, ILogger<JobWatchdog> logger) : BackgroundService
{
    /// <summary>What one sweep did, for tests and logs.</summary>
    public sealed record SweepReport(int Checked, int Requeued, int Failed);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Watchdog.Interval, time);
        do
        {
            try
            {
                var report = await SweepAsync(stoppingToken);
                if (report.Requeued + report.Failed > 0)
                {
                    logger.LogWarning("Watchdog: {Checked} unfinished jobs checked, {Requeued} queued again, {Failed} failed", report.Checked, report.Requeued, report.Failed);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Storage down: the next tick tries again; nothing is changed by a sweep that could not read.
                logger.LogWarning("Watchdog sweep skipped: {Reason}", ex.GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task<SweepReport> SweepAsync(CancellationToken cancellationToken)
    {
        var o = options.Value.Watchdog;
        int seen = 0, requeued = 0, failed = 0;
        await foreach (var id in records.UnfinishedJobIdsAsync(cancellationToken))
        {
            var job = await records.GetAsync(id, cancellationToken);
            if (job is null || JobStatus.IsFinished(job.Status))
            {
                continue;
            }

            seen++;
            var now = time.GetUtcNow();
            if (now - job.CreatedAt > o.MaxJobDuration)
            {
                await finisher.FailAsync(id, $"The job did not finish within {o.MaxJobDuration} of being accepted; submit again (a smaller project, or when the service is less busy).");
                failed++;
                continue;
            }

            switch (Inspect(job))
            {
                case Work.Lost when now - job.CreatedAt > o.LostAfter:
                    if (job.Recoveries >= o.MaxRecoveries)
                    {
                        await finisher.FailAsync(id, $"The process running this job stopped {job.Recoveries + 1} times before it finished; the job was not queued again. Submit again, or a smaller project.");
                        failed++;
                    }
                    else if (await RequeueAsync(job, cancellationToken))
                    {
                        requeued++;
                    }

                    break;
                case Work.Failed:
                    await finisher.FailAsync(id, FailedReason(job.HangfireJobId!));
                    failed++;
                    break;
                case Work.Deleted:
                    await finisher.FailAsync(id, "The job's queued work was deleted (from the Hangfire dashboard or by an operator); submit again.");
                    failed++;
                    break;
            }
        }

        return new SweepReport(seen, requeued, failed);
    }

    private enum Work
    {
        Alive,
        Lost,
        Failed,
        Deleted,
    }

    private Work Inspect(JobRecord job)
    {
        if (job.HangfireJobId is null)
        {
            return Work.Lost; // not queued yet, or never: LostAfter tells a submit in progress from a dead one
        }

        using var connection = hangfire.GetConnection();
        var state = connection.GetJobData(job.HangfireJobId)?.State;
        if (state is null)
        {
            return Work.Lost;
        }

        if (state == FailedState.StateName)
        {
            return Work.Failed;
        }

        if (state == DeletedState.StateName)
        {
            return Work.Deleted;
        }

        // A compile job that fanned out has succeeded while its shards run; shards and the link job end the
        // record themselves, and MaxJobDuration bounds them. Any other succeeded work left the record behind.
        return state == SucceededState.StateName && job.Stage is not ("shards" or "link") ? Work.Lost : Work.Alive;
    }

    private string FailedReason(string hangfireJobId)
    {
        using var connection = hangfire.GetConnection();
        var data = connection.GetStateData(hangfireJobId)?.Data;
        var message = data is not null && data.TryGetValue("ExceptionMessage", out var m) ? m : null;
        return $"The compile failed after {JobAttempts.Retries} retries" + (message is null ? "." : $": {message}");
    }

    /// <summary>Queues the job again, unless another process did first (the record's Hangfire id changed meanwhile).</summary>
    private async Task<bool> RequeueAsync(JobRecord lost, CancellationToken cancellationToken)
    {
        var claimed = false;
        await records.UpdateAsync(lost.Id, j =>
        {
            claimed = !JobStatus.IsFinished(j.Status) && j.HangfireJobId == lost.HangfireJobId && j.Recoveries == lost.Recoveries;
            return claimed ? j with { Status = JobStatus.Queued, Stage = "queued", Recoveries = j.Recoveries + 1, HangfireJobId = null } : null;
        }, cancellationToken);
        if (!claimed)
        {
            return false;
        }

        await CompileEnqueuer.EnqueueAsync(records, jobs, lost.Id, cancellationToken);
        logger.LogWarning("Job {JobId} lost its work (attempt {Attempt}); queued again", lost.Id, lost.Recoveries + 1);
        return true;
    }
}
