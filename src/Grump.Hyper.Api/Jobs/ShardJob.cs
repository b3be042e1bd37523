using System.Diagnostics;
using Grump.Hyper.Api.Distribution;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Compiler.Project;
using Grump.Hyper.Engine.Caching;
using Grump.Hyper.Engine.Pipeline;
using Hangfire;
using Hangfire.Server;

namespace Grump.Hyper.Api.Jobs;

/// <summary>
/// Compiles one shard of a fanned-out job on whichever worker process fetched it: its sources come from
/// the content-addressed store, its modules go through the shared cache and into the fan-out state,
/// and the shard counts itself done. The shard that completes the set enqueues the link job. Running
/// twice (a dead worker, the invisibility timeout) writes the same bytes and counts nothing twice.
/// </summary>
[AutomaticRetry(Attempts = JobAttempts.Retries, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
public sealed class ShardJob(IJobRecords records, ISourceStore sourceStore, ShardStore shards, FanOut fanOut, HyperCompiler compiler, JobFinisher finisher, JobCancellation cancellation,
    Microsoft.Extensions.Options.IOptions<DistributedOptions> distributed, ILogger<ShardJob> logger)
{
    public const string Queue = "shard";

    [JobName("shard")]
    public async Task RunAsync(string jobId, int shard, PerformContext? context, CancellationToken cancellationToken)
    {
        var job = await records.GetAsync(jobId, cancellationToken);
        if (job is not { Status: JobStatus.Running })
        {
            return; // cancelled or finished: a queued shard stops here
        }

        using var lease = cancellation.Watch(jobId, cancellationToken);
        try
        {
            var plan = await shards.GetPlanAsync(jobId) ?? throw new InvalidOperationException($"The shard plan of job {jobId} is gone.");
            var spec = await shards.GetShardAsync(jobId, shard) ?? throw new InvalidOperationException($"Shard {shard} of job {jobId} is not in its plan.");
            var started = DateTimeOffset.UtcNow;
            var io = Stopwatch.StartNew();
            var files = await sourceStore.GetSourcesAsync(spec.Files, lease.Token);
            io.Stop();
            var compile = Stopwatch.StartNew();
            var options = HyperOptions.Default with { Tier = CompileTier.Insane, ProjectKey = job.Tenant, Parallelism = ThreadsPerShard(distributed.Value) };
            var poll = new ProgressWriter(TimeSpan.FromSeconds(1), async _ =>
            {
                // The announcement of a cancel stops the shard at once; this poll catches a missed one.
                if (await records.GetAsync(jobId, CancellationToken.None) is not { Status: JobStatus.Running })
                {
                    lease.Cancel();
                }
            });
            var output = compiler.CompileShard(files, [.. spec.Files.Select(f => f.Role == InputRole.Vendor)], options, poll.Report, lease.Token);
            compile.Stop();
            await poll.DrainAsync();
            io.Start();
            var modules = ModuleCodec.EncodeMany(output.Modules);
            io.Stop();

            // The run travels with the modules, so its I/O time covers reading the sources and encoding, not this final write.
            var run = new ShardRun(shard, options.WorkerName, files.Count, files.Sum(f => (long)f.Content.Length), Math.Round((started - plan.PlannedAt).TotalMilliseconds, 3),
                Math.Round(compile.Elapsed.TotalMilliseconds, 3), Math.Round(io.Elapsed.TotalMilliseconds, 3), output.CacheHits, output.CacheMisses, output.L2Hits);
            var done = await shards.CompleteAsync(jobId, shard, modules, run);

            var filesDone = done.Where(i => i < plan.ShardCount).Sum(i => plan.ShardFiles[i]);
            await finisher.WhileRunningAsync(jobId, j => j with { Stage = "shards", FilesDone = Math.Max(j.FilesDone, filesDone) });
            if (done.Length >= plan.ShardCount)
            {
                await fanOut.EnqueueLinkAsync(jobId);
            }
        }
        catch (OperationCanceledException) when (lease.Cancelled && !cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Shard {Shard} of job {JobId} stopped: the job was cancelled", shard, jobId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !JobAttempts.WillRetry(ex, context))
        {
            await finisher.FailAsync(jobId, ex);
        }
    }

    /// <summary>
    /// This process runs up to ShardWorkers shards at once; each gets its share of the cores, as shards
    /// that each take every core were measured at nearly twice the cost per file.
    /// </summary>
    private static int ThreadsPerShard(DistributedOptions options) =>
        Math.Max(1, Environment.ProcessorCount / (options.ShardWorkers > 0 ? options.ShardWorkers : Environment.ProcessorCount));
}
