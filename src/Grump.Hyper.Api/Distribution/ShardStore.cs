using System.Collections.Immutable;
using System.Text.Json;
using StackExchange.Redis;

namespace Grump.Hyper.Api.Distribution;

/// <summary>
/// Fan-out state in the Hangfire Redis (which never evicts): the plan, each shard's spec, each finished
/// shard's modules and run, and the set of finished shards that is the fan-in counter. Hangfire's
/// open-source edition has no batches, so this set is how the last shard knows it is the last: a shard
/// that runs twice adds the same member again and the count does not move.
/// </summary>
public sealed class ShardStore(IConnectionMultiplexer redis, TimeSpan ttl)
{
    private IDatabase Db => redis.GetDatabase();

    public async Task SavePlanAsync(FanOutRecord plan, IReadOnlyList<ShardSpec> shards)
    {
        var fields = shards.Select(s => new HashEntry("shard:" + s.Index, JsonSerializer.SerializeToUtf8Bytes(s, FanOutJson.Default.ShardSpec)))
            .Append(new HashEntry("meta", JsonSerializer.SerializeToUtf8Bytes(plan, FanOutJson.Default.FanOutRecord)))
            .ToArray();
        var transaction = Db.CreateTransaction();
        _ = transaction.HashSetAsync(Key(plan.JobId, "plan"), fields);
        _ = transaction.KeyExpireAsync(Key(plan.JobId, "plan"), ttl);
        await transaction.ExecuteAsync();
    }

    public Task SaveHangfireIdsAsync(FanOutRecord plan) =>
        Db.HashSetAsync(Key(plan.JobId, "plan"), "meta", JsonSerializer.SerializeToUtf8Bytes(plan, FanOutJson.Default.FanOutRecord));

    public async Task<FanOutRecord?> GetPlanAsync(string jobId)
    {
        var value = await Db.HashGetAsync(Key(jobId, "plan"), "meta");
        return value.IsNull ? null : JsonSerializer.Deserialize((byte[])value!, FanOutJson.Default.FanOutRecord);
    }

    public async Task<ShardSpec?> GetShardAsync(string jobId, int shard)
    {
        var value = await Db.HashGetAsync(Key(jobId, "plan"), "shard:" + shard);
        return value.IsNull ? null : JsonSerializer.Deserialize((byte[])value!, FanOutJson.Default.ShardSpec);
    }

    /// <summary>
    /// Stores a shard's modules and run and counts it as done, all in one transaction, so the link step
    /// never sees a shard counted whose output is missing. Returns the shards done so far.
    /// </summary>
    public async Task<ImmutableArray<int>> CompleteAsync(string jobId, int shard, byte[] modules, Grump.Hyper.Engine.Pipeline.ShardRun run)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.HashSetAsync(Key(jobId, "out"), shard, modules);
        _ = transaction.HashSetAsync(Key(jobId, "runs"), shard, JsonSerializer.SerializeToUtf8Bytes(run, FanOutJson.Default.ShardRun));
        _ = transaction.SetAddAsync(Key(jobId, "done"), shard);
        var members = transaction.SetMembersAsync(Key(jobId, "done"));
        foreach (var part in (string[])["out", "runs", "done"])
        {
            _ = transaction.KeyExpireAsync(Key(jobId, part), ttl);
        }

        await transaction.ExecuteAsync();
        return [.. (await members).Select(m => (int)m).Order()];
    }

    public async Task<bool> IsDoneAsync(string jobId, int shard) => await Db.SetContainsAsync(Key(jobId, "done"), shard);

    /// <summary>Every shard's modules and run, by shard index.</summary>
    public async Task<(IReadOnlyDictionary<int, byte[]> Modules, IReadOnlyDictionary<int, Grump.Hyper.Engine.Pipeline.ShardRun> Runs)> GetOutputsAsync(string jobId)
    {
        var modules = await Db.HashGetAllAsync(Key(jobId, "out"));
        var runs = await Db.HashGetAllAsync(Key(jobId, "runs"));
        return (modules.ToDictionary(e => (int)e.Name, e => (byte[])e.Value!),
            runs.ToDictionary(e => (int)e.Name, e => JsonSerializer.Deserialize((byte[])e.Value!, FanOutJson.Default.ShardRun)!));
    }

    /// <summary>Claims the link step for a Hangfire job; false when another one already claimed it.</summary>
    public Task<bool> ClaimLinkAsync(string jobId, string hangfireId) => Db.StringSetAsync(Key(jobId, "link"), hangfireId, ttl, When.NotExists);

    public Task DeleteAsync(string jobId) =>
        Db.KeyDeleteAsync([Key(jobId, "plan"), Key(jobId, "out"), Key(jobId, "runs"), Key(jobId, "done"), Key(jobId, "link")]);

    /// <summary>The braces make every key of one job share a Redis Cluster slot, so the transactions above stay legal there.</summary>
    private static RedisKey Key(string jobId, string part) => $"grump:fanout:{{{jobId}}}:{part}";
}
