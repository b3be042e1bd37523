using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Grump.Hyper.Api.Jobs;

/// <summary>
/// Tells every process that runs a job's work that the job was cancelled, so running work stops at its
/// next file rather than at its next status poll. With Redis it is one pub/sub channel shared by all
/// processes; without Redis everything runs in this process and the signal stays local. A lost message
/// costs nothing but time: running work also polls the job's status.
/// </summary>
public sealed class JobCancellation : IDisposable
{
    private static readonly RedisChannel Channel = RedisChannel.Literal("grump:cancelled");
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Lease, byte>> _watching = new(StringComparer.Ordinal);
    private readonly IConnectionMultiplexer? _redis;

    public JobCancellation(IConnectionMultiplexer? redis = null)
    {
        _redis = redis;
        _redis?.GetSubscriber().Subscribe(Channel, (_, message) => Signal(message.ToString()));
    }

    /// <summary>A token that fires when the job is announced cancelled; dispose the lease when the work ends.</summary>
    public Lease Watch(string jobId, CancellationToken linked)
    {
        var lease = new Lease(this, jobId, CancellationTokenSource.CreateLinkedTokenSource(linked));
        _watching.GetOrAdd(jobId, _ => new()).TryAdd(lease, 0);
        return lease;
    }

    public async Task AnnounceAsync(string jobId)
    {
        if (_redis is null)
        {
            Signal(jobId);
            return;
        }

        try
        {
            await _redis.GetSubscriber().PublishAsync(Channel, jobId);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Signal(jobId); // this process at least; the others see the status at their next poll
        }
    }

    private void Signal(string jobId)
    {
        if (_watching.TryGetValue(jobId, out var leases))
        {
            foreach (var lease in leases.Keys)
            {
                lease.Cancel();
            }
        }
    }

    public void Dispose() => _redis?.GetSubscriber().Unsubscribe(Channel);

    public sealed class Lease(JobCancellation owner, string jobId, CancellationTokenSource source) : IDisposable
    {
        public CancellationToken Token => source.Token;

        /// <summary>True when the job itself was cancelled (not the process shutting down).</summary>
        public bool Cancelled { get; private set; }

        public void Cancel()
        {
            Cancelled = true;
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // the work ended between the signal and now
            }
        }

        public void Dispose()
        {
            if (owner._watching.TryGetValue(jobId, out var leases))
            {
                leases.TryRemove(this, out _);
                if (leases.IsEmpty)
                {
                    owner._watching.TryRemove(new KeyValuePair<string, ConcurrentDictionary<Lease, byte>>(jobId, leases));
                }
            }

            source.Dispose();
        }
    }
}
