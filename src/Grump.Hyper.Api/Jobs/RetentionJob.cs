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
public sealed class RetentionJob(IJobRecords records, ISourceStore sources, IArtifactStore artifacts, IDeliveryStore deliveries, IStorageBackend backend,
    IOptions<HyperApiOptions> options, TimeProvider time, ILogger<RetentionJob> logger)
{
    public const string RecurringId = "retention-sweep";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - options.Value.Retention;
        // A backend whose sources and values expire by themselves has nothing to sweep, so the sources that
        // unfinished jobs still need are not even gathered there.
        var sweepsStorage = !backend.Features.HasFlag(StorageFeatures.SourcesExpire);
        var removed = 0;
        var keep = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var id in records.AllJobIdsAsync(cancellationToken))
        {
            var job = await records.GetAsync(id, cancellationToken);
            if (job is { FinishedAt: { } finished } && JobStatus.IsFinished(job.Status) && finished < cutoff)
            {
                // The record last: a sweep cut short leaves a record that the next sweep finds and deletes again.
                await artifacts.DeleteArtifactsAsync(job.Id, cancellationToken);
                await deliveries.DeleteDeliveriesAsync(job.Id, cancellationToken);
                await records.DeleteAsync(job, cancellationToken);
                removed++;
            }
            else if (sweepsStorage && job is not null && !JobStatus.IsFinished(job.Status))
            {
                keep.UnionWith((await records.GetManifestAsync(id, cancellationToken))?.Inputs.Select(i => i.Sha256) ?? []);
            }
        }

        var swept = 0;
        if (sweepsStorage)
        {
            swept = await sources.SweepSourcesAsync(cutoff, keep, cancellationToken);
            await artifacts.SweepUnnamedAsync(cancellationToken);
        }

        logger.LogInformation("Retention sweep removed {Count} jobs finished before {Cutoff} and {Sources} unused sources", removed, cutoff, swept);
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
