using Grump.Hyper.Api.Distribution;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Api.Webhooks;
using Grump.Hyper.Compiler.Project;
using Grump.Hyper.Engine.Pipeline;
using Hangfire;
using Hangfire.Server;

namespace Grump.Hyper.Api.Jobs;

/// <summary>
/// Runs one compile: loads the job's sources from the content-addressed store and either compiles them
/// here under the job's tier, or (insane, with Redis) plans shards and hands them to the cluster, whose
/// last shard enqueues the link job. Safe to run twice: a finished job is left as it is.
/// </summary>
[AutomaticRetry(Attempts = JobAttempts.Retries, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
public sealed class CompileJob(IJobRecords records, ISourceStore sourceStore, HyperCompiler compiler, FanOut fanOut, JobFinisher finisher, JobCancellation cancellation, WebhookDispatcher webhooks,
    Microsoft.Extensions.Options.IOptions<Configuration.HyperApiOptions> options, ILogger<CompileJob> logger)
{
    public const string Queue = "compile";

    [JobName("compile")]
    public async Task RunAsync(string jobId, PerformContext? context, CancellationToken cancellationToken)
    {
        var firstRun = false;
        var job = await records.UpdateAsync(jobId, j =>
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

        using var lease = cancellation.Watch(jobId, cancellationToken);
        try
        {
            var manifest = await records.GetManifestAsync(jobId, cancellationToken) ?? throw new InvalidDataException($"Job {jobId} has no project manifest.");
            var tier = CompileTiers.TryParse(job.Tier, out var parsed) ? parsed : CompileTiers.Default;
            if (tier == CompileTier.Insane && fanOut.Available)
            {
                await fanOut.StartAsync(job, manifest);
                await finisher.WhileRunningAsync(jobId, j => j with { Stage = "shards" });
                return;
            }

            // The project as selected when the upload was accepted: its inputs only, nothing selected again, and
            // described by the manifest (address and size). The engine asks for the bytes of the sources it must
            // compile, once it knows which its memo of the tenant's last build cannot give: an unchanged resubmission
            // reads none, a 1% edit 1%. Its artifacts go to a content-addressed store, so the big documents are made as
            // blocks an edit reuses (Hyper:DocumentBlocks).
            var project = manifest.Describe();

            // Called once per build, before the modules are compiled (not inside the compile loop), on this job's thread.
            IReadOnlyList<Grump.Hyper.Compiler.Modules.SourceFile> Load(IReadOnlyList<Grump.Hyper.Compiler.Modules.SourceFile> described) =>
                sourceStore.GetSourcesAsync([.. described.Select(f => new ProjectInput(f.Path, f.Sha256, f.Size, InputRole.Source))], lease.Token).GetAwaiter().GetResult();
            var progress = new ProgressWriter(TimeSpan.FromMilliseconds(250), async done =>
            {
                // Progress is also where a cancel is noticed if its announcement was missed.
                if (await finisher.WhileRunningAsync(jobId, j => j with { FilesDone = Math.Max(j.FilesDone, done) }) is null)
                {
                    lease.Cancel();
                }
            });
            var result = compiler.Compile(project, Load, HyperOptions.Default with { Tier = tier, ProjectKey = job.Tenant, DocumentBlocks = options.Value.DocumentBlocks }, progress.Report, lease.Token);
            await progress.DrainAsync(); // the last progress write lands before the job's end is written
            await finisher.SucceedAsync(jobId, result);
        }
        catch (OperationCanceledException) when (lease.Cancelled && !cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Compile job {JobId} was cancelled", jobId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !JobAttempts.WillRetry(ex, context))
        {
            await finisher.FailAsync(jobId, ex);
        }
    }
}
