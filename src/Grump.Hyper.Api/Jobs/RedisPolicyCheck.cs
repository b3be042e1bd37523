using StackExchange.Redis;

namespace Grump.Hyper.Api.Jobs;

/// <summary>
/// Hangfire's Redis must never evict keys (a lost job key is a lost job), so the policy is checked at
/// start and a warning names the fix. Managed Redis that hides CONFIG is reported, not fatal.
/// </summary>
internal sealed class RedisPolicyCheck(IConnectionMultiplexer redis, ILogger<RedisPolicyCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var server = redis.GetServer(redis.GetEndPoints()[0]);
            var policy = (await server.ConfigGetAsync("maxmemory-policy")).FirstOrDefault().Value;
            if (policy is not null && policy != "noeviction")
            {
                logger.LogWarning("The Hangfire Redis runs with maxmemory-policy {Policy}: jobs can be evicted and lost. Set maxmemory-policy noeviction (the cache may use another Redis).", policy);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("Could not read maxmemory-policy of the Hangfire Redis ({Reason}); make sure it is noeviction.", ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
