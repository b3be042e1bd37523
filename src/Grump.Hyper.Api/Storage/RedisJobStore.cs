using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;
using StackExchange.Redis;

namespace Grump.Hyper.Api.Storage;

/// <summary>
/// Jobs, sources and artifacts in Redis, so any API or worker process on any machine can read them.
/// It shares the Hangfire Redis (which must not evict), under its own key prefix.
/// </summary>
public sealed class RedisJobStore : IJobStore
{
    private const string Prefix = "grump:";
    private readonly IConnectionMultiplexer _redis;

    public RedisJobStore(IConnectionMultiplexer redis) => _redis = redis;

    public string Kind => "redis";

    private IDatabase Db => _redis.GetDatabase();

    public async Task PutSourcesAsync(IReadOnlyList<SourceFile> files, CancellationToken cancellationToken)
    {
        var batch = Db.CreateBatch();
        var writes = files.Select(f => batch.StringSetAsync(BlobKey(f.Sha256), f.Content, when: When.NotExists)).ToArray();
        batch.Execute();
        await Task.WhenAll(writes);
    }

    public async Task<IReadOnlyList<SourceFile>> GetSourcesAsync(IReadOnlyList<InputRef> inputs, CancellationToken cancellationToken)
    {
        var values = await Db.StringGetAsync([.. inputs.Select(i => BlobKey(i.Sha256))]);
        var files = new List<SourceFile>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            if (values[i].IsNull)
            {
                throw new InvalidOperationException($"Source {inputs[i].Path} ({inputs[i].Sha256}) is missing from the store.");
            }

            files.Add(new SourceFile(inputs[i].Path, (byte[])values[i]!));
        }

        return files;
    }

    public Task CreateAsync(JobRecord job, CancellationToken cancellationToken) =>
        Db.StringSetAsync(JobKey(job.Id), JsonSerializer.SerializeToUtf8Bytes(job with { Version = 1 }, StoreJson.Default.JobRecord));

    public async Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var value = await Db.StringGetAsync(JobKey(id));
        return value.IsNull ? null : JsonSerializer.Deserialize((byte[])value!, StoreJson.Default.JobRecord);
    }

    public async Task<JobRecord> UpdateAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var next = job with { Version = job.Version + 1 };
        await Db.StringSetAsync(JobKey(job.Id), JsonSerializer.SerializeToUtf8Bytes(next, StoreJson.Default.JobRecord));
        return next;
    }

    public async Task SaveArtifactsAsync(string id, ArtifactSet artifacts, CancellationToken cancellationToken)
    {
        var entries = artifacts.Select(a => new HashEntry(a.Key, a.Value)).ToArray();
        var index = artifacts.Select(a => new ArtifactInfo(a.Key, a.Value.Length, Convert.ToHexStringLower(SHA256.HashData(a.Value)))).ToImmutableArray();
        var transaction = Db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(ArtifactsKey(id));
        _ = transaction.HashSetAsync(ArtifactsKey(id), entries);
        _ = transaction.StringSetAsync(IndexKey(id), JsonSerializer.SerializeToUtf8Bytes(index, StoreJson.Default.ImmutableArrayArtifactInfo));
        await transaction.ExecuteAsync();
    }

    public async Task<IReadOnlyList<ArtifactInfo>?> ListArtifactsAsync(string id, CancellationToken cancellationToken)
    {
        var value = await Db.StringGetAsync(IndexKey(id));
        return value.IsNull ? null : JsonSerializer.Deserialize((byte[])value!, StoreJson.Default.ImmutableArrayArtifactInfo);
    }

    public async Task<byte[]?> GetArtifactAsync(string id, string path, CancellationToken cancellationToken)
    {
        var value = await Db.HashGetAsync(ArtifactsKey(id), path);
        return value.IsNull ? null : (byte[])value!;
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Db.PingAsync();
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return false;
        }
    }

    private static RedisKey JobKey(string id) => Prefix + "job:" + id;

    private static RedisKey BlobKey(string sha256) => Prefix + "blob:" + sha256;

    private static RedisKey ArtifactsKey(string id) => Prefix + "artifacts:" + id;

    private static RedisKey IndexKey(string id) => Prefix + "artifacts-index:" + id;
}
