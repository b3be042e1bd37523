using Grump.Hyper.Api.Storage;
using Grump.Hyper.Engine.Pipeline;
using Hangfire;

namespace Grump.Hyper.Api.Jobs;

/// <summary>
/// Runs one compile: loads the job's sources from the content-addressed store, compiles them under the
/// job's tier, stores the artifacts and finishes the job. Safe to run twice: a finished job is left as it is.
/// </summary>
[AutomaticRetry(Attempts = 3, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
public sealed class CompileJob(IJobStore store, HyperCompiler compiler, ILogger<CompileJob> logger)
{
    public const string Queue = "compile";

    public async Task RunAsync(string jobId, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync(jobId, cancellationToken);
        if (job is null || JobStatus.IsFinished(job.Status))
        {
            return;
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = jobId });
        job = await store.UpdateAsync(job with { Status = JobStatus.Running, StartedAt = job.StartedAt ?? DateTimeOffset.UtcNow, Stage = "compile" }, cancellationToken);
        try
        {
            var sources = await store.GetSourcesAsync(job.Inputs, cancellationToken);
            var tier = CompileTiers.TryParse(job.Tier, out var parsed) ? parsed : CompileTiers.Default;
            var progressJob = job;
            var result = compiler.Compile(sources, HyperOptions.Default with { Tier = tier }, done =>
            {
                // Progress is advisory: a lost update only makes a poll see an older count.
                progressJob = store.UpdateAsync(progressJob with { FilesDone = done }, CancellationToken.None).GetAwaiter().GetResult();
            }, cancellationToken);

            job = await store.UpdateAsync(progressJob with { Stage = "store", FilesDone = result.Metrics.Files }, cancellationToken);
            await store.SaveArtifactsAsync(jobId, result.Artifacts, cancellationToken);
            var counts = Grump.Hyper.Compiler.Emit.ArtifactEmitter.Count(result.Compilation.Diagnostics);
            await store.UpdateAsync(job with
            {
                Status = JobStatus.Succeeded,
                Stage = "done",
                FinishedAt = DateTimeOffset.UtcNow,
                FilesTotal = result.Metrics.Files,
                Success = result.Compilation.Success,
                Errors = counts.Errors,
                Warnings = counts.Warnings,
                Metrics = result.Metrics,
            }, CancellationToken.None);
            logger.LogInformation("Compiled job {JobId}: {Modules} modules, {Errors} errors, {Milliseconds} ms", jobId, result.Metrics.Modules, counts.Errors, result.Metrics.TotalMilliseconds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !IsTransient(ex))
        {
            logger.LogError(ex, "Compile job {JobId} failed", jobId);
            await store.UpdateAsync(job with { Status = JobStatus.Failed, Stage = "done", FinishedAt = DateTimeOffset.UtcNow, FailureReason = ex.Message }, CancellationToken.None);
        }
    }

    /// <summary>Storage hiccups are retried by Hangfire; anything else is a failure of this job.</summary>
    private static bool IsTransient(Exception ex) => ex is StackExchange.Redis.RedisException or TimeoutException or IOException;
}
