using Grump.Hyper.Api.Configuration;
using Grump.Hyper.Api.Storage;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Grump.Hyper.Api.Jobs;

/// <summary>
/// Deletes finished jobs older than <c>Hyper:Retention</c> with their artifacts and deliveries, and
/// source blobs nobody uploaded within it that no unfinished job needs (in Redis they expire by TTL). A
/// Hangfire recurring job, so exactly one process runs it each hour however many there are.
/// </summary>
[AutomaticRetry(Attempts = 0)]
[DisableConcurrentExecution(timeoutInSeconds: 60)]
public sealed class RetentionJob(IJobStore store, IOptions<HyperApiOptions> options, TimeProvider time, ILogger<RetentionJob> logger)
{
    public const string RecurringId = "retention-sweep";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - options.Value.Retention;
        var removed = 0;
        var keep = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var id in store.AllJobIdsAsync(cancellationToken))
        {
            var job = await store.GetAsync(id, cancellationToken);
            if (job is { FinishedAt: { } finished } && JobStatus.IsFinished(job.Status) && finished < cutoff)
            {
                await store.DeleteJobAsync(job, cancellationToken);
                removed++;
            }
            else if (job is not null && !JobStatus.IsFinished(job.Status))
            {
                keep.UnionWith((await store.GetManifestAsync(id, cancellationToken))?.Inputs.Select(i => i.Sha256) ?? []);
            }
        }

        var sources = await store.SweepSourcesAsync(cutoff, keep, cancellationToken);
        logger.LogInformation("Retention sweep removed {Count} jobs finished before {Cutoff} and {Sources} unused sources", removed, cutoff, sources);
        return removed;
    }
}

/// <summary>Registers the hourly sweep when the host starts.</summary>
internal sealed class RetentionSchedule(IRecurringJobManager recurring) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        recurring.AddOrUpdate<RetentionJob>(RetentionJob.RecurringId, "default", j => j.RunAsync(CancellationToken.None), Cron.Hourly());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
