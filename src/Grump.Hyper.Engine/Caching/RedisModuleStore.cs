using StackExchange.Redis;

namespace Grump.Hyper.Engine.Caching;

/// <summary>The second cache level: compiled modules shared by every process that compiles.</summary>
public interface IModuleStore
{
    string Name { get; }

    /// <summary>The values for the keys (null where absent), in one round trip where the store can.</summary>
    byte[]?[] GetMany(IReadOnlyList<string> keys);

    void Put(string key, byte[] value);
}

/// <summary>
/// L2 in Redis (<c>ConnectionStrings:Cache</c>). Values expire after <see cref="Ttl"/> of not being
/// written, so Redis never fills with modules nobody builds any more. Every Redis failure is a miss or
/// a skipped write, counted, never an error: the compile goes on with L1 and the compiler.
/// </summary>
public sealed class RedisModuleStore(IConnectionMultiplexer redis, string prefix = "grump:cache:") : IModuleStore
{
    private long _errors;

    public static TimeSpan Ttl { get; } = TimeSpan.FromDays(7);

    public string Name => "redis";

    public long Errors => Interlocked.Read(ref _errors);

    public byte[]?[] GetMany(IReadOnlyList<string> keys)
    {
        if (keys.Count == 0)
        {
            return [];
        }

        try
        {
            var values = redis.GetDatabase().StringGet([.. keys.Select(k => (RedisKey)(prefix + k))]);
            return [.. values.Select(v => v.IsNull ? null : (byte[]?)v)];
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Interlocked.Increment(ref _errors);
            return new byte[]?[keys.Count];
        }
    }

    public void Put(string key, byte[] value)
    {
        try
        {
            redis.GetDatabase().StringSet(prefix + key, value, Ttl, flags: CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Interlocked.Increment(ref _errors);
        }
    }
}
