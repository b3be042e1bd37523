using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;
using StackExchange.Redis;

namespace Grump.Hyper.Api.Storage;

/// <summary>
/// Every kind of state in Redis (job records, sources, artifacts, idempotency keys, deliveries), so any API or
/// worker process on any machine can read them. It shares the Hangfire Redis (which must not evict), under
/// its own key prefix. Sources and stored values expire by TTL, so nothing here is swept.
/// </summary>
public sealed class RedisStore : IJobRecords, ISourceStore, ITenantBlobs, IArtifactStore, IIdempotencyKeyStore, IDeliveryStore, IStorageBackend
{
    private const string Prefix = "grump:";
    private readonly IConnectionMultiplexer _redis;
    private readonly FinishedJobCache _finished = new();
    private readonly ManifestObjects _manifests = new();
    private readonly ArtifactIndexes _indexes = new();

    private readonly TimeSpan _sourceTtl;

    /// <param name="sourceTtl">How long a source blob lives after its last upload (Redis expires it; no sweep needed).</param>
    public RedisStore(IConnectionMultiplexer redis, TimeSpan? sourceTtl = null)
    {
        _redis = redis;
        _sourceTtl = sourceTtl ?? TimeSpan.FromDays(7);
    }

    public string Kind => "redis";

    public StorageFeatures Features => StorageFeatures.SharedAcrossMachines | StorageFeatures.SourcesExpire;

    private IDatabase Db => _redis.GetDatabase();

    public async Task PutSourcesAsync(IReadOnlyList<SourceFile> files, CancellationToken cancellationToken)
    {
        var batch = Db.CreateBatch();
        // Rewriting a blob that exists writes the same bytes (the key is their hash) and restarts its TTL.
        var writes = files.Select(f => batch.StringSetAsync(BlobKey(f.Sha256), f.Content, _sourceTtl)).ToArray();
        batch.Execute();
        await Task.WhenAll(writes);
    }

    public async Task<IReadOnlySet<string>> TouchSourcesAsync(IReadOnlyList<string> digests, CancellationToken cancellationToken)
    {
        // Restarting the TTL is the touch, and its answer says whether the blob is there: one round trip.
        var batch = Db.CreateBatch();
        var touches = digests.Select(d => batch.KeyExpireAsync(BlobKey(d), _sourceTtl)).ToArray();
        batch.Execute();
        var found = await Task.WhenAll(touches);
        return digests.Where((_, i) => found[i]).ToHashSet(StringComparer.Ordinal);
    }

    public async Task AddTenantBlobsAsync(string tenant, IReadOnlyList<string> digests, CancellationToken cancellationToken)
    {
        if (digests.Count == 0)
        {
            return;
        }

        var key = TenantBlobsKey(tenant);
        foreach (var chunk in digests.Chunk(10_000))
        {
            await Db.SetAddAsync(key, [.. chunk.Select(d => (RedisValue)d)]);
        }

        await Db.KeyExpireAsync(key, _sourceTtl); // the scope lives as long as the blobs it names
    }

    public async Task<IReadOnlySet<string>> TenantBlobsAsync(string tenant, IReadOnlyList<string> digests, CancellationToken cancellationToken)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in digests.Chunk(10_000))
        {
            var answers = await Db.SetContainsAsync(TenantBlobsKey(tenant), [.. chunk.Select(d => (RedisValue)d)]);
            known.UnionWith(chunk.Where((_, i) => answers[i]));
        }

        return known;
    }

    public async Task<IReadOnlyList<SourceFile>> GetSourcesAsync(IReadOnlyList<ProjectInput> inputs, CancellationToken cancellationToken)
    {
        var values = await Db.StringGetAsync([.. inputs.Select(i => BlobKey(i.Sha256))]);
        var files = new List<SourceFile>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            if (values[i].IsNull)
            {
                throw new InvalidDataException($"Source {inputs[i].Path} ({inputs[i].Sha256}) is missing from the store.");
            }

            files.Add(SourceFile.Verified(inputs[i].Path, (byte[])values[i]!, inputs[i].Sha256));
        }

        return files;
    }

    public async Task CreateAsync(JobRecord job, ProjectManifest manifest, CancellationToken cancellationToken)
    {
        // The manifest is an object, as in the data folder: the same upload again shares it, and the job
        // keeps only its hash. The object goes first, so a job that exists always finds its manifest.
        var list = _manifests.ToObject(manifest);
        var sha = list.Sha256;
        await PutObjectsAsync(new Dictionary<string, ArtifactContent>(StringComparer.Ordinal) { [sha] = list });
        var transaction = Db.CreateTransaction();
        _ = transaction.StringSetAsync(ManifestKey(job.Id), sha);
        _ = transaction.StringSetAsync(JobKey(job.Id), JsonSerializer.SerializeToUtf8Bytes(job with { Version = 1 }, StoreJson.Default.JobRecord));
        _ = transaction.SortedSetAddAsync(TenantJobsKey(job.Tenant), job.Id, 0);
        _ = transaction.SetAddAsync(UnfinishedKey, job.Id);
        await transaction.ExecuteAsync();
    }

    public async Task<ProjectManifest?> GetManifestAsync(string id, CancellationToken cancellationToken)
    {
        var sha = await Db.StringGetAsync(ManifestKey(id));
        return sha.IsNull ? null : await _manifests.ReadAsync(sha.ToString(), async () => await Db.StringGetAsync(ObjectKey(sha.ToString())) is { IsNull: false } value ? (byte[])value! : null);
    }

    public async Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (_finished.TryGet(id, out var cached))
        {
            return cached;
        }

        var value = await Db.StringGetAsync(JobKey(id));
        return value.IsNull ? null : _finished.Remember(JsonSerializer.Deserialize((byte[])value!, StoreJson.Default.JobRecord));
    }

    public async Task<JobRecord?> UpdateAsync(string id, Func<JobRecord, JobRecord?> change, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stored = await Db.StringGetAsync(JobKey(id));
            if (stored.IsNull)
            {
                return null;
            }

            var current = JsonSerializer.Deserialize((byte[])stored!, StoreJson.Default.JobRecord)!;
            if (change(current) is not { } changed)
            {
                return current;
            }

            // Written only if nobody wrote in between; otherwise read again and re-apply the change.
            var next = changed with { Version = current.Version + 1 };
            var transaction = Db.CreateTransaction();
            transaction.AddCondition(Condition.StringEqual(JobKey(id), stored));
            _ = transaction.StringSetAsync(JobKey(id), JsonSerializer.SerializeToUtf8Bytes(next, StoreJson.Default.JobRecord));
            if (JobStatus.IsFinished(next.Status))
            {
                _ = transaction.SetRemoveAsync(UnfinishedKey, id);
            }

            if (await transaction.ExecuteAsync())
            {
                return next;
            }
        }
    }

    /// <summary>
    /// Artifacts by content, as in the data folder store: each object once per hash under
    /// <c>grump:object:</c>, the job's index an object too, metrics.json beside it. Objects expire a day
    /// after the longest a job that names them is kept (each save extends that), so nothing counts
    /// references; only the objects Redis does not have yet are sent.
    /// </summary>
    public async Task SaveArtifactsAsync(string id, ArtifactSet artifacts, CancellationToken cancellationToken)
    {
        var pending = new Dictionary<string, ArtifactContent>(StringComparer.Ordinal);
        string Stage(ArtifactContent content)
        {
            var sha = content.Sha256; // the value's own hash, computed once where it was made
            pending.TryAdd(sha, content);
            foreach (var source in content.PartSources.OfType<ArtifactContent>())
            {
                pending.TryAdd(source.Sha256, source); // what a recipe names is stored with it
            }

            return sha;
        }

        foreach (var (_, content) in artifacts)
        {
            Stage(content);
        }

        var (index, metrics) = _indexes.Of(artifacts);
        var reference = new ArtifactReference(Stage(index), metrics);
        await PutObjectsAsync(pending);
        await Db.StringSetAsync(ArtifactReferenceKey(id), JsonSerializer.SerializeToUtf8Bytes(reference, StoreJson.Default.ArtifactReference));
    }

    /// <summary>Sends the objects Redis lacks (one batch to ask, one to write) and extends the expiry of the rest.</summary>
    private async Task PutObjectsAsync(Dictionary<string, ArtifactContent> objects)
    {
        var keys = objects.Keys.ToArray();
        var batch = Db.CreateBatch();
        var exists = keys.Select(k => batch.KeyExistsAsync(ObjectKey(k))).ToArray();
        batch.Execute();
        await Task.WhenAll(exists);

        var ttl = _sourceTtl + TimeSpan.FromDays(1);
        var write = Db.CreateBatch();
        var writes = new List<Task>(keys.Length);
        for (var i = 0; i < keys.Length; i++)
        {
            writes.Add(exists[i].Result
                ? write.KeyExpireAsync(ObjectKey(keys[i]), ttl, ExpireWhen.GreaterThanCurrentExpiry)
                : write.StringSetAsync(ObjectKey(keys[i]), objects[keys[i]].IsComposite ? ObjectRecipe.Write(objects[keys[i]]) : objects[keys[i]].ToArray(), ttl));
        }

        write.Execute();
        await Task.WhenAll(writes);
    }

    public Task DeleteArtifactsAsync(string id, CancellationToken cancellationToken) => Db.KeyDeleteAsync(ArtifactReferenceKey(id));

    public async Task<IReadOnlyList<ArtifactInfo>?> ListArtifactsAsync(string id, CancellationToken cancellationToken)
    {
        var value = await Db.StringGetAsync(ArtifactReferenceKey(id));
        if (value.IsNull)
        {
            return null;
        }

        var reference = JsonSerializer.Deserialize((byte[])value!, StoreJson.Default.ArtifactReference)!;
        var index = await Db.StringGetAsync(ObjectKey(reference.Index));
        return index.IsNull ? null : reference.Listing(JsonSerializer.Deserialize((byte[])index!, StoreJson.Default.ImmutableArrayArtifactInfo));
    }

    public async Task<byte[]?> GetArtifactAsync(string id, string path, CancellationToken cancellationToken)
    {
        var entry = (await ListArtifactsAsync(id, cancellationToken))?.FirstOrDefault(a => a.Path == path);
        return entry is null ? null : await ReadArtifactAsync(entry, cancellationToken);
    }

    public async Task<byte[]?> ReadArtifactAsync(ArtifactInfo artifact, CancellationToken cancellationToken)
    {
        var stored = await Db.StringGetAsync(ObjectKey(artifact.Sha256));
        return stored.IsNull ? null : await ObjectRecipe.AssembleAsync((byte[])stored!, artifact.Sha256, ReadManyAsync);
    }

    /// <summary>Objects by hash, an MGET per 1,000 (a recipe's parts: one round trip a batch, not one a part).</summary>
    private async Task<IReadOnlyList<byte[]?>> ReadManyAsync(IReadOnlyList<string> hashes)
    {
        var values = new List<byte[]?>(hashes.Count);
        foreach (var batch in hashes.Chunk(1000))
        {
            var found = await Db.StringGetAsync([.. batch.Select(h => ObjectKey(h))]);
            values.AddRange(found.Select(v => v.IsNull ? null : (byte[])v!));
        }

        return values;
    }

    public async Task<(IReadOnlyList<JobRecord> Jobs, string? NextCursor)> ListAsync(string tenant, JobQuery query, CancellationToken cancellationToken)
    {
        // All members share score 0, so the set is ordered by id: newest first is reverse lexical order.
        var max = query.Cursor is null ? default(RedisValue) : (RedisValue)query.Cursor;
        var ids = await Db.SortedSetRangeByValueAsync(TenantJobsKey(tenant), default, max, query.Cursor is null ? Exclude.None : Exclude.Stop,
            Order.Descending, 0, JobListing.MaxExamined);
        return await JobListing.PageAsync(ids.Select(v => v.ToString()), id => GetAsync(id, cancellationToken), tenant, query with { Cursor = null });
    }

    public async Task<IdempotencyEntry?> ClaimIdempotencyKeyAsync(string tenant, string key, string fingerprint, CancellationToken cancellationToken)
    {
        var redisKey = IdempotencyKey(tenant, key);
        if (await Db.StringSetAsync(redisKey, JsonSerializer.SerializeToUtf8Bytes(new IdempotencyEntry(fingerprint, null), StoreJson.Default.IdempotencyEntry), IdempotencyTtl, When.NotExists))
        {
            return null;
        }

        var existing = await Db.StringGetAsync(redisKey);
        return existing.IsNull ? new IdempotencyEntry(fingerprint, null) : JsonSerializer.Deserialize((byte[])existing!, StoreJson.Default.IdempotencyEntry);
    }

    public Task CompleteIdempotencyKeyAsync(string tenant, string key, string fingerprint, string jobId, CancellationToken cancellationToken) =>
        Db.StringSetAsync(IdempotencyKey(tenant, key), JsonSerializer.SerializeToUtf8Bytes(new IdempotencyEntry(fingerprint, jobId), StoreJson.Default.IdempotencyEntry), IdempotencyTtl);

    public Task ReleaseIdempotencyKeyAsync(string tenant, string key, CancellationToken cancellationToken) => Db.KeyDeleteAsync(IdempotencyKey(tenant, key));

    public Task SaveDeliveryAsync(DeliveryRecord delivery, CancellationToken cancellationToken) =>
        Db.HashSetAsync(DeliveriesKey(delivery.JobId), delivery.Id, JsonSerializer.SerializeToUtf8Bytes(delivery, StoreJson.Default.DeliveryRecord));

    public async Task<DeliveryRecord?> GetDeliveryAsync(string jobId, string deliveryId, CancellationToken cancellationToken)
    {
        var value = await Db.HashGetAsync(DeliveriesKey(jobId), deliveryId);
        return value.IsNull ? null : JsonSerializer.Deserialize((byte[])value!, StoreJson.Default.DeliveryRecord);
    }

    public async Task<IReadOnlyList<DeliveryRecord>> ListDeliveriesAsync(string jobId, CancellationToken cancellationToken)
    {
        var entries = await Db.HashGetAllAsync(DeliveriesKey(jobId));
        return [.. entries.Select(e => JsonSerializer.Deserialize((byte[])e.Value!, StoreJson.Default.DeliveryRecord)!).OrderBy(d => d.Id, StringComparer.Ordinal)];
    }

    public async IAsyncEnumerable<string> UnfinishedJobIdsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var id in Db.SetScanAsync(UnfinishedKey, pageSize: 500).WithCancellation(cancellationToken))
        {
            yield return id.ToString();
        }
    }

    public async IAsyncEnumerable<string> AllJobIdsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var server = _redis.GetServer(_redis.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(Db.Database, Prefix + "job:*", pageSize: 500).WithCancellation(cancellationToken))
        {
            yield return key.ToString()[(Prefix.Length + "job:".Length)..];
        }
    }

    public async Task DeleteAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.KeyDeleteAsync([JobKey(job.Id), ManifestKey(job.Id)]);
        _ = transaction.SortedSetRemoveAsync(TenantJobsKey(job.Tenant), job.Id);
        _ = transaction.SetRemoveAsync(UnfinishedKey, job.Id);
        await transaction.ExecuteAsync();
        _finished.Forget(job.Id);
    }

    /// <summary>Nothing to do: sources expire by their TTL (<see cref="StorageFeatures.SourcesExpire"/>).</summary>
    public Task<int> SweepSourcesAsync(DateTimeOffset unusedSince, IReadOnlySet<string> keep, CancellationToken cancellationToken) => Task.FromResult(0);

    /// <summary>Nothing to do: stored values expire by their TTL (<see cref="StorageFeatures.SourcesExpire"/>).</summary>
    public Task SweepUnnamedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DeleteDeliveriesAsync(string jobId, CancellationToken cancellationToken) => Db.KeyDeleteAsync(DeliveriesKey(jobId));

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

    /// <summary>How long an idempotency key is remembered (the draft leaves the policy to the server).</summary>
    private static readonly TimeSpan IdempotencyTtl = TimeSpan.FromHours(24);

    private static readonly RedisKey UnfinishedKey = Prefix + "unfinished-jobs";

    private static RedisKey JobKey(string id) => Prefix + "job:" + id;

    private static RedisKey ManifestKey(string id) => Prefix + "job-manifest:" + id;

    private static RedisKey TenantJobsKey(string tenant) => Prefix + "tenant-jobs:" + tenant;

    private static RedisKey IdempotencyKey(string tenant, string key) =>
        Prefix + "idempotency:" + IdempotencyKeys.Hash(tenant, key);

    private static RedisKey DeliveriesKey(string jobId) => Prefix + "deliveries:" + jobId;

    private static RedisKey BlobKey(string sha256) => Prefix + "blob:" + sha256;

    private static RedisKey TenantBlobsKey(string tenant) => Prefix + "tenant-blobs:" + tenant;

    private static RedisKey ArtifactReferenceKey(string id) => Prefix + "artifacts:" + id;

    private static RedisKey ObjectKey(string sha256) => Prefix + "object:" + sha256;
}
