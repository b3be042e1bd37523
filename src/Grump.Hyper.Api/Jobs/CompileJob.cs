using Grump.Hyper.Api.Storage;
using Grump.Hyper.Api.Webhooks;
using Grump.Hyper.Engine.Pipeline;
using Hangfire;

namespace Grump.Hyper.Api.Jobs;

/// <summary>
/// Runs one compile: loads the job's sources from the content-addressed store, compiles them under the
/// job's tier, stores the artifacts and finishes the job. Safe to run twice: a finished job is left as it
/// is. Every status change is a compare-and-set, so a cancel is never overwritten by progress.
/// </summary>
[AutomaticRetry(Attempts = 3, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
public sealed class CompileJob(IJobStore store, HyperCompiler compiler, WebhookDispatcher webhooks, Observability.ApiMetrics metrics, ILogger<CompileJob> logger)
{
    public const string Queue = "compile";

    public async Task RunAsync(string jobId, CancellationToken cancellationToken)
    {
        var firstRun = false;
        var job = await store.UpdateAsync(jobId, j =>
        {
            if (JobStatus.IsFinished(j.Status))
            {
                return null;
            }

            firstRun = j.StartedAt is null;
            return j with { Status = JobStatus.Running, StartedAt = j.StartedAt ?? DateTimeOffset.UtcNow, Stage = "compile" };
        }, cancellationToken);
        if (job is null || job.Status != JobStatus.Running)
        {
            return;
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = jobId, ["Tenant"] = job.Tenant });
        if (firstRun)
        {
            await webhooks.DispatchAsync(job, WebhookEvents.Started, cancellationToken);
        }

        using var cancelled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var sources = await store.GetSourcesAsync(job.Inputs, cancellationToken);
            var tier = CompileTiers.TryParse(job.Tier, out var parsed) ? parsed : CompileTiers.Default;
            var result = compiler.Compile(sources, HyperOptions.Default with { Tier = tier, ProjectKey = job.Tenant }, done =>
            {
                // Progress is also where a cancel is noticed: the job then stops at the next file.
                var current = store.UpdateAsync(jobId, j => j.Status == JobStatus.Running ? j with { FilesDone = done } : null, CancellationToken.None).GetAwaiter().GetResult();
                if (current?.Status != JobStatus.Running)
                {
                    cancelled.Cancel();
                }
            }, cancelled.Token);

            if (await Running(j => j with { Stage = "store", FilesDone = result.Metrics.Files }) is null)
            {
                return;
            }

            await store.SaveArtifactsAsync(jobId, result.Artifacts, cancellationToken);
            var counts = Grump.Hyper.Compiler.Emit.ArtifactEmitter.Count(result.Compilation.Diagnostics);
            var finished = await Running(j => j with
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
                await store.DeleteArtifactsAsync(jobId, CancellationToken.None); // cancelled while storing
                return;
            }

            metrics.Finished(JobStatus.Succeeded);
            await webhooks.DispatchAsync(finished, WebhookEvents.Succeeded, CancellationToken.None);
            logger.LogInformation("Compiled job {JobId}: {Modules} modules, {Errors} errors, {Milliseconds} ms", jobId, result.Metrics.Modules, counts.Errors, result.Metrics.TotalMilliseconds);
        }
        catch (OperationCanceledException) when (cancelled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Compile job {JobId} was cancelled", jobId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !IsTransient(ex))
        {
            logger.LogError(ex, "Compile job {JobId} failed", jobId);
            var failed = await Running(j => j with { Status = JobStatus.Failed, Stage = "done", FinishedAt = DateTimeOffset.UtcNow, FailureReason = ex.Message });
            if (failed is not null)
            {
                metrics.Finished(JobStatus.Failed);
                await webhooks.DispatchAsync(failed, WebhookEvents.Failed, CancellationToken.None);
            }
        }

        // Applies a change only while the job is still running; null when it was cancelled meanwhile.
        async Task<JobRecord?> Running(Func<JobRecord, JobRecord> change)
        {
            var applied = false;
            var after = await store.UpdateAsync(jobId, j =>
            {
                applied = j.Status == JobStatus.Running;
                return applied ? change(j) : null;
            }, CancellationToken.None);
            return applied ? after : null;
        }
    }

    /// <summary>Storage hiccups are retried by Hangfire; anything else is a failure of this job.</summary>
    private static bool IsTransient(Exception ex) => ex is StackExchange.Redis.RedisException or TimeoutException or IOException;
}
