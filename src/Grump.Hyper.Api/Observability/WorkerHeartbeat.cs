using Grump.Hyper.Api.Storage;

namespace Grump.Hyper.Api.Observability;

/// <summary>
/// A worker serves no HTTP, so its container health check reads a file instead: the worker rewrites it every
/// <see cref="Interval"/> while its storage answers, and the check (compose, Kubernetes) asks that it be fresh.
/// A worker whose store is gone, or whose process hangs, stops refreshing it and is restarted.
/// </summary>
public sealed class WorkerHeartbeat(IStorageBackend storage, string path, ILogger<WorkerHeartbeat> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>Where the heartbeat goes unless Hyper:HeartbeatFile says otherwise; the deploy files check this path.</summary>
    public static string DefaultPath => Path.Combine(Path.GetTempPath(), "grump-hyper-worker.alive");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            bool reachable;
            try
            {
                reachable = await storage.PingAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                reachable = false;
            }

            if (reachable)
            {
                // Written beside and moved into place: a health check or a reader never sees a half-written file.
                var next = path + ".next";
                await File.WriteAllTextAsync(next, DateTimeOffset.UtcNow.ToString("O"), stoppingToken);
                File.Move(next, path, overwrite: true);
            }
            else
            {
                logger.LogWarning("Worker heartbeat skipped: the {Kind} store does not answer", storage.Kind);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
