using Grump.Hyper.Api.Storage;
using Grump.Hyper.Api.Webhooks;
using Grump.Hyper.Engine.Pipeline;

namespace Grump.Hyper.Api.Jobs;

/// <summary>
/// The end of a job, shared by the compile job (one process) and the link job (fan-in): store the
/// artifacts, mark the job succeeded or failed, tell the webhooks. Every status change is a
/// compare-and-set that applies only while the job is running, so a cancel is never overwritten and a
/// step that runs twice finishes the job once.
/// </summary>
public sealed class JobFinisher(IJobRecords records, IArtifactStore artifactStore, WebhookDispatcher webhooks, Observability.ApiMetrics metrics, ILogger<JobFinisher> logger)
{
    /// <summary>Applies a change only while the job is running; null when it is not (cancelled or finished meanwhile).</summary>
    public async Task<JobRecord?> WhileRunningAsync(string jobId, Func<JobRecord, JobRecord> change)
    {
        var applied = false;
        var after = await records.UpdateAsync(jobId, j =>
        {
            applied = j.Status == JobStatus.Running;
            return applied ? change(j) : null;
        }, CancellationToken.None);
        return applied ? after : null;
    }

    public async Task SucceedAsync(string jobId, HyperResult result)
    {
        if (await WhileRunningAsync(jobId, j => j with { Stage = "store", FilesDone = result.Metrics.Files }) is null)
        {
            return;
        }

        // Every store files artifacts under their SHA-256, and a build makes several large new ones at once (the
        // documents, the chunks an edit touched: about 100 MB for a 1% edit of 10,000 files). Each is hashed once and
        // keeps its hash; here that happens on all cores instead of one after another inside the store.
        Parallel.ForEach(result.Artifacts, artifact => _ = artifact.Value.Sha256);
        await artifactStore.SaveArtifactsAsync(jobId, result.Artifacts, CancellationToken.None);
        var counts = Compiler.Emit.ArtifactEmitter.Count(result.Compilation.Diagnostics);
        var finished = await WhileRunningAsync(jobId, j => j with
        {
            Status = JobStatus.Succeeded,
            Stage = "done",
            FinishedAt = DateTimeOffset.UtcNow,
            FilesTotal = result.Metrics.Files,
            Success = result.Compilation.Success,
            Errors = counts.Errors,
            Warnings = counts.Warnings,
            Metrics = result.Metrics,
        });
        if (finished is null)
        {
            // Either cancelled while storing (then the artifacts go), or another run of this step finished
            // first: its artifacts are these same bytes, and they stay.
            if ((await records.GetAsync(jobId, CancellationToken.None))?.Status == JobStatus.Cancelled)
            {
                await artifactStore.DeleteArtifactsAsync(jobId, CancellationToken.None);
            }

            return;
        }

        metrics.Finished(JobStatus.Succeeded);
        await webhooks.DispatchAsync(finished, WebhookEvents.Succeeded, CancellationToken.None);
        logger.LogInformation("Compiled job {JobId}: {Modules} modules, {Errors} errors, {Milliseconds} ms", jobId, result.Metrics.Modules, counts.Errors, result.Metrics.TotalMilliseconds);
    }

    public Task FailAsync(string jobId, Exception ex)
    {
        logger.LogError(ex, "Job {JobId} failed", jobId);
        return FailAsync(jobId, Describe(ex));
    }

    /// <summary>Ends a queued or running job as failed with a reason a person can act on; a finished job stays as it is.</summary>
    public async Task FailAsync(string jobId, string reason)
    {
        var applied = false;
        var failed = await records.UpdateAsync(jobId, j =>
        {
            applied = !JobStatus.IsFinished(j.Status);
            return applied ? j with { Status = JobStatus.Failed, Stage = "done", FinishedAt = DateTimeOffset.UtcNow, FailureReason = reason } : null;
        }, CancellationToken.None);
        if (applied && failed is not null)
        {
            metrics.Finished(JobStatus.Failed);
            await webhooks.DispatchAsync(failed, WebhookEvents.Failed, CancellationToken.None);
        }
    }

    /// <summary>
    /// Only a store that cannot be reached right now is worth a retry (Redis connection or timeout). A file
    /// system error is not: a path that is both a file and a folder, a full or read-only disk stay so.
    /// </summary>
    public static bool IsTransient(Exception ex) => ex is StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException or TimeoutException;

    /// <summary>The failure as the job's owner reads it: what happened and what to do, without server paths.</summary>
    public static string Describe(Exception ex) => ex switch
    {
        IOException or UnauthorizedAccessException =>
            $"The service could not write its storage ({ex.GetType().Name}); nothing was half-stored. Submit again; if it repeats, the operator must check the data folder (GET /readyz).",
        StackExchange.Redis.RedisException or TimeoutException =>
            "The service's Redis could not be reached through every retry; submit again once GET /readyz answers ready.",
        _ => ex.Message,
    };
}
