using System.Collections.Immutable;
using Grump.Hyper.Api.Jobs;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Compiler.Project;
using Grump.Hyper.Engine.Pipeline;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Grump.Hyper.Api.Distribution;

/// <summary>
/// Fan-out and fan-in of the insane tier over Hangfire: plans shards by estimated cost, enqueues a shard
/// job for each, and enqueues the link job once the last shard is in. Available only when Hangfire runs
/// on Redis (with in-memory storage every worker is this process, and the tier runs as aggressive).
/// </summary>
public sealed class FanOut(JobStorage storage, IBackgroundJobClient jobs, IOptions<DistributedOptions> options, TimeProvider time, ILogger<FanOut> logger,
    IJobRecords records, ShardStore? shards = null)
{
    public bool Available => shards is not null;

    private ShardStore Shards => shards ?? throw new InvalidOperationException("Fan-out needs Hangfire on Redis.");

    /// <summary>Plans the shards from the job's manifest alone (sizes and addresses): no source is read to plan.</summary>
    public async Task StartAsync(JobRecord job, ProjectManifest manifest)
    {
        if (await Shards.GetPlanAsync(job.Id) is { } existing)
        {
            // This compile job ran before and died after planning: hand out what is not done yet.
            await ResumeAsync(existing);
            return;
        }

        ImmutableArray<ProjectInput> sources = [.. manifest.Inputs.Where(i => i.Role != InputRole.Project)];
        var planned = HyperCompiler.PlanFanOut([.. sources.Select(s => s.Bytes)], ShardCount(sources.Length));
        var specs = planned.Shards.Select((positions, index) => new ShardSpec(index, [.. positions.Select(p => sources[p])], positions)).ToList();
        var plan = new FanOutRecord(job.Id, time.GetUtcNow(), planned.Milliseconds, [.. specs.Select(s => s.Files.Length)], planned.Plan.Scores);
        await Shards.SavePlanAsync(plan, specs);
        var ids = specs.Select(s => jobs.Enqueue<ShardJob>(ShardJob.Queue, j => j.RunAsync(job.Id, s.Index, null, CancellationToken.None))).ToImmutableArray();
        await Shards.SaveHangfireIdsAsync(plan with { HangfireIds = ids });

        // A cancel that came between the enqueue and the line above found no ids to delete: do it now.
        // Either order of the two ends with the queued shards deleted.
        if ((await records.GetAsync(job.Id, CancellationToken.None))?.Status == JobStatus.Cancelled)
        {
            await AbandonAsync(job.Id);
            return;
        }

        logger.LogInformation("Job {JobId}: {Files} files in {Shards} shards", job.Id, sources.Length, specs.Count);
    }

    private async Task ResumeAsync(FanOutRecord plan)
    {
        var pending = new List<int>();
        for (var shard = 0; shard < plan.ShardCount; shard++)
        {
            if (!await Shards.IsDoneAsync(plan.JobId, shard))
            {
                pending.Add(shard);
            }
        }

        foreach (var shard in pending)
        {
            jobs.Enqueue<ShardJob>(ShardJob.Queue, j => j.RunAsync(plan.JobId, shard, null, CancellationToken.None));
        }

        if (pending.Count == 0)
        {
            await EnqueueLinkAsync(plan.JobId);
        }
    }

    /// <summary>
    /// Enqueues the link job unless one was already claimed. Enqueue first, claim second: a process that
    /// dies in between leaves a link job that runs (harmless, it is idempotent) rather than none at all.
    /// </summary>
    public async Task EnqueueLinkAsync(string jobId)
    {
        var id = jobs.Enqueue<LinkJob>(LinkJob.Queue, j => j.RunAsync(jobId, null, CancellationToken.None));
        if (!await Shards.ClaimLinkAsync(jobId, id))
        {
            jobs.Delete(id);
        }
    }

    /// <summary>After a cancel: the shards still queued are deleted from Hangfire, and the fan-out state with them.</summary>
    public async Task AbandonAsync(string jobId)
    {
        if (shards is null)
        {
            return;
        }

        try
        {
            if (await shards.GetPlanAsync(jobId) is not { } plan)
            {
                return;
            }

            foreach (var id in plan.HangfireIds)
            {
                jobs.Delete(id);
            }

            await shards.DeleteAsync(jobId);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            // Best effort: a shard left queued finds the job cancelled and stops; the state expires.
            logger.LogWarning("Could not drop the fan-out of cancelled job {JobId}: {Reason}", jobId, ex.Message);
        }
    }

    /// <summary>
    /// One shard per live shard worker in the cluster (or as configured), but never fewer files per shard
    /// than <see cref="DistributedOptions.MinFilesPerShard"/>: each shard costs a Hangfire round trip.
    /// </summary>
    public int ShardCount(int files)
    {
        var o = options.Value;
        if (o.Shards > 0)
        {
            return Math.Clamp(o.Shards, 1, Math.Max(1, files));
        }

        // Hangfire's watchdog drops a server that stopped sending heartbeats, so the listed ones are alive
        // (or died within its timeout: then a shard waits for another worker, which costs time, not results).
        var workers = storage.GetMonitoringApi().Servers()
            .Where(s => s.Queues.Contains(ShardJob.Queue))
            .Sum(s => s.WorkersCount);
        var byFiles = (files + o.MinFilesPerShard - 1) / Math.Max(1, o.MinFilesPerShard);
        return Math.Clamp(Math.Min(workers, byFiles), 1, o.MaxShards);
    }
}
