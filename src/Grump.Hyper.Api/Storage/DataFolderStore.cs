using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;

namespace Grump.Hyper.Api.Storage;

/// <summary>
/// The embedded store of every kind of state (job records, sources, artifacts, idempotency keys, deliveries):
/// a data folder shared by the processes of one machine. Writes go to a temporary file and are renamed into
/// place, so a reader never sees half a record.
/// </summary>
public sealed class DataFolderStore : IJobRecords, ISourceStore, ITenantBlobs, IArtifactStore, IIdempotencyKeyStore, IDeliveryStore, IStorageBackend
{
    private readonly string _root;
    private readonly FinishedJobCache _finished = new();
    private readonly ManifestObjects _manifests = new();
    private readonly ArtifactIndexes _indexes = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    /// <summary>When this process last stored or touched each source blob and object, by hash (bounded: see <see cref="Remember"/>).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTime> _recentBlobs = new(StringComparer.Ordinal);

    /// <summary>
    /// How long a touch counts: well inside the sweeps' graces (an hour for unnamed objects, the retention
    /// for sources), so skipping a touch this recent never lets a sweep take what is in use.
    /// </summary>
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(10);

    public DataFolderStore(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(_root, "jobs"));
        Directory.CreateDirectory(Path.Combine(_root, "manifests"));
        Directory.CreateDirectory(Path.Combine(_root, "blobs"));
        Directory.CreateDirectory(Path.Combine(_root, "artifacts"));
        Directory.CreateDirectory(Path.Combine(_root, "objects"));
        Directory.CreateDirectory(Path.Combine(_root, "tmp"));
        Directory.CreateDirectory(Path.Combine(_root, "active"));
        _sources = new PackFolder(Path.Combine(_root, "packs"), Path.Combine(_root, "tmp"));
        _objects = new PackFolder(Path.Combine(_root, "object-packs"), Path.Combine(_root, "tmp"));
    }

    public string Kind => "filesystem";

    public StorageFeatures Features => StorageFeatures.None;

    /// <summary>Sources, packed one upload's new ones to a pack.</summary>
    private readonly PackFolder _sources;

    /// <summary>
    /// Artifact objects, packed one build's new ones to a pack. Control objects (artifact indexes, input
    /// lists) stay loose files under <c>objects/</c>, as every reader of them reads one path.
    /// </summary>
    private readonly PackFolder _objects;

    /// <summary>
    /// Sources are stored in pack files: the new blobs of one upload are written as one file
    /// (<c>packs/&lt;id&gt;.pack</c>, the blobs end to end) with its index beside it (<c>.idx</c>: a line per
    /// blob, "sha256 offset length", renamed into place after the pack, so an index always finds its pack).
    /// 10,000 new small sources are one write stream instead of 10,000 files. A blob already stored (in a
    /// pack, or a loose file from before packs) is not written again; uploading it again touches its pack,
    /// so the sweep counts from then.
    /// </summary>
    public async Task PutSourcesAsync(IReadOnlyList<SourceFile> files, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var fresh = new List<SourceFile>();
        var inBatch = new HashSet<string>(StringComparer.Ordinal);
        var touched = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            // A blob this process stored or touched just now needs no syscall: the sweep counts in days, so
            // an unchanged resubmission of 10,000 files costs no I/O for its sources.
            if (_recentBlobs.TryGetValue(file.Sha256, out var seen) && now - seen < TouchInterval)
            {
                continue;
            }

            if (TryTouch(file.Sha256, touched, now, refresh: false))
            {
                Remember(file.Sha256, now);
            }
            else if (inBatch.Add(file.Sha256))
            {
                fresh.Add(file);
            }
        }

        if (fresh.Count > 0)
        {
            await _sources.WriteAsync([.. fresh.Select(f => (f.Sha256, ArtifactContent.Concat([f.Content])))], cancellationToken);
            foreach (var file in fresh)
            {
                Remember(file.Sha256, now);
            }
        }
    }

    public Task<IReadOnlySet<string>> TouchSourcesAsync(IReadOnlyList<string> digests, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var touched = new Dictionary<string, bool>(StringComparer.Ordinal);
        var held = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sha in digests)
        {
            if (_recentBlobs.TryGetValue(sha, out var seen) && now - seen < TouchInterval)
            {
                // Touched on disk at `seen`: remembered as it is, so the memory never claims a touch the disk has not
                // had (remembering `now` here let a blob in steady use go untouched on disk for good).
                held.Add(sha);
            }
            else if (TryTouch(sha, touched, now, refresh: true))
            {
                Remember(sha, now);
                held.Add(sha);
            }
        }

        return Task.FromResult<IReadOnlySet<string>>(held);
    }

    /// <summary>Touches the blob's pack (or its loose file) so the sweep counts from now; false when the store does not hold it.</summary>
    private bool TryTouch(string sha256, Dictionary<string, bool> touched, DateTime now, bool refresh)
    {
        if (_sources.Find(sha256, refresh) is { } at && _sources.Touch(at.Pack, touched, now))
        {
            return true;
        }

        if (File.Exists(BlobPath(sha256)))
        {
            File.SetLastWriteTimeUtc(BlobPath(sha256), now);
            return true;
        }

        return false;
    }

    /// <summary>A tenant's uploaded digests: a file of lines per tenant, appended to, read once per process.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, HashSet<string>> _tenantBlobs = new(StringComparer.Ordinal);

    private string TenantBlobsPath(string tenant) => Path.Combine(_root, "tenant-blobs", SourceFile.Hash(System.Text.Encoding.UTF8.GetBytes(tenant)) + ".list");

    private HashSet<string> TenantSet(string tenant) => _tenantBlobs.GetOrAdd(tenant, t =>
    {
        var path = TenantBlobsPath(t);
        return new HashSet<string>(File.Exists(path) ? File.ReadLines(path) : [], StringComparer.Ordinal);
    });

    public Task AddTenantBlobsAsync(string tenant, IReadOnlyList<string> digests, CancellationToken cancellationToken)
    {
        var set = TenantSet(tenant);
        lock (set)
        {
            // Appended under the tenant's lock: a few lines per upload, and the set and the file never disagree.
            var fresh = digests.Where(set.Add).ToList();
            if (fresh.Count > 0)
            {
                Directory.CreateDirectory(Path.Combine(_root, "tenant-blobs"));
                File.AppendAllLines(TenantBlobsPath(tenant), fresh);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlySet<string>> TenantBlobsAsync(string tenant, IReadOnlyList<string> digests, CancellationToken cancellationToken)
    {
        var set = TenantSet(tenant);
        lock (set)
        {
            return Task.FromResult<IReadOnlySet<string>>(digests.Where(set.Contains).ToHashSet(StringComparer.Ordinal));
        }
    }

    public async Task<IReadOnlyList<SourceFile>> GetSourcesAsync(IReadOnlyList<ProjectInput> inputs, CancellationToken cancellationToken)
    {
        var files = new List<SourceFile>(inputs.Count);
        using var packs = _sources.Read();
        foreach (var input in inputs)
        {
            var bytes = await packs.ReadAsync(input.Sha256, cancellationToken)
                ?? (File.Exists(BlobPath(input.Sha256)) ? await File.ReadAllBytesAsync(BlobPath(input.Sha256), cancellationToken) : null)
                ?? throw new InvalidDataException($"Source {input.Path} ({input.Sha256}) is missing from the store.");
            files.Add(SourceFile.Verified(input.Path, bytes, input.Sha256));
        }

        return files;
    }

    public async Task CreateAsync(JobRecord job, ProjectManifest manifest, CancellationToken cancellationToken)
    {
        // The manifest and the unfinished-index entry first: a job record that exists always has both.
        // The manifest is an object too: the same upload again shares it, and the job keeps only its hash. A manifest
        // stored before and still held is only touched, not serialised again.
        var sha = _manifests.KnownHash(manifest) is { } known && Stored(known, DateTime.UtcNow, touched: null)
            ? known
            : await PutObjectAsync(_manifests.ToObject(manifest), cancellationToken);
        await WriteAtomicAsync(ManifestPath(job.Id), System.Text.Encoding.ASCII.GetBytes(sha), cancellationToken);
        await File.WriteAllBytesAsync(ActivePath(job.Id), [], cancellationToken);
        await WriteAtomicAsync(JobPath(job.Id), JsonSerializer.SerializeToUtf8Bytes(job with { Version = 1 }, StoreJson.Default.JobRecord), cancellationToken);
    }

    public async Task<ProjectManifest?> GetManifestAsync(string id, CancellationToken cancellationToken)
    {
        if (!IsSafeId(id) || !File.Exists(ManifestPath(id)))
        {
            return null;
        }

        var sha = await File.ReadAllTextAsync(ManifestPath(id), cancellationToken);
        return await _manifests.ReadAsync(sha, async () => await File.ReadAllBytesAsync(ObjectPath(sha), cancellationToken));
    }

    public async Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (_finished.TryGet(id, out var cached))
        {
            return cached;
        }

        if (!IsSafeId(id) || !File.Exists(JobPath(id)))
        {
            return null;
        }

        var bytes = await File.ReadAllBytesAsync(JobPath(id), cancellationToken);
        return _finished.Remember(JsonSerializer.Deserialize(bytes, StoreJson.Default.JobRecord));
    }

    public async Task<JobRecord?> UpdateAsync(string id, Func<JobRecord, JobRecord?> change, CancellationToken cancellationToken)
    {
        // One writer per job at a time in this process; the embedded store serves one process (use Redis for more).
        var gate = _gates.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var current = await GetAsync(id, cancellationToken);
            if (current is null || change(current) is not { } changed)
            {
                return current;
            }

            var next = changed with { Version = current.Version + 1 };
            await WriteAtomicAsync(JobPath(id), JsonSerializer.SerializeToUtf8Bytes(next, StoreJson.Default.JobRecord), cancellationToken);
            if (JobStatus.IsFinished(next.Status))
            {
                File.Delete(ActivePath(id));
            }

            return next;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Artifacts are stored by content: each value once per hash, a build's new ones as one pack (a chunk as its
    /// recipe), and the job's index of them (path, size, sha256) is a loose object under <c>objects/</c>. metrics.json, the one artifact that differs between
    /// two builds of the same inputs (it holds timings), stays out of the index, so an unchanged resubmission
    /// shares every byte with the build before it and writes only a small reference file. An artifact path
    /// never becomes a file system path: module ids <c>foo</c> and <c>foo.json/bar</c> cannot collide.
    /// </summary>
    public async Task SaveArtifactsAsync(string id, ArtifactSet artifacts, CancellationToken cancellationToken)
    {
        // The build's new objects go into one pack (a cold build has about 11,000: one small file each was
        // most of the job, the time in each file's open); what is stored already is only touched.
        var now = DateTime.UtcNow;
        var fresh = new List<(string Sha, ArtifactContent Bytes)>();
        var inBatch = new HashSet<string>(StringComparer.Ordinal);
        var touched = new Dictionary<string, bool>(StringComparer.Ordinal);
        void Stage(ArtifactContent content)
        {
            var sha = content.Sha256;
            if (!inBatch.Add(sha) || Stored(sha, now, touched))
            {
                return;
            }

            if (content.IsComposite)
            {
                // The objects it is made of first (modules of the same build), then its recipe.
                foreach (var source in content.PartSources.OfType<ArtifactContent>().Distinct())
                {
                    Stage(source);
                }

                fresh.Add((sha, ArtifactContent.Of(ObjectRecipe.Write(content))));
            }
            else
            {
                fresh.Add((sha, content));
            }
        }

        foreach (var (_, content) in artifacts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Stage(content);
        }

        if (fresh.Count > 0)
        {
            await _objects.WriteAsync(fresh, cancellationToken);
            foreach (var (sha, _) in fresh)
            {
                Remember(sha, now);
            }
        }

        var (index, metrics) = _indexes.Of(artifacts);
        var parts = ArtifactReference.RecipeParts(artifacts);
        var reference = new ArtifactReference(
            await PutObjectAsync(index, cancellationToken),
            metrics,
            parts.Length == 0 ? null : await PutObjectAsync(ArtifactContent.Of(JsonSerializer.SerializeToUtf8Bytes(parts, StoreJson.Default.StringArray)), cancellationToken));

        // The reference last: a reader that finds it finds every object it names.
        await WriteAtomicAsync(ArtifactReferencePath(id), JsonSerializer.SerializeToUtf8Bytes(reference, StoreJson.Default.ArtifactReference), cancellationToken);
    }

    public Task DeleteArtifactsAsync(string id, CancellationToken cancellationToken)
    {
        // Only the reference: objects may be shared with other jobs, and the sweep removes the ones nothing names.
        if (IsSafeId(id))
        {
            File.Delete(ArtifactReferencePath(id));
        }

        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<ArtifactInfo>?> ListArtifactsAsync(string id, CancellationToken cancellationToken)
    {
        if (!IsSafeId(id) || !File.Exists(ArtifactReferencePath(id)))
        {
            return null;
        }

        var reference = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(ArtifactReferencePath(id), cancellationToken), StoreJson.Default.ArtifactReference)!;
        var index = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(ObjectPath(reference.Index), cancellationToken), StoreJson.Default.ImmutableArrayArtifactInfo);
        return reference.Listing(index);
    }

    public async Task<byte[]?> GetArtifactAsync(string id, string path, CancellationToken cancellationToken)
    {
        // Only paths from the job's own index are served, by the hash it names, so no request path reaches the file system.
        var index = await ListArtifactsAsync(id, cancellationToken);
        var entry = index?.FirstOrDefault(a => a.Path == path);
        return entry is null ? null : await ReadArtifactAsync(entry, cancellationToken);
    }

    public async Task<byte[]?> ReadArtifactAsync(ArtifactInfo artifact, CancellationToken cancellationToken)
    {
        using var packs = _objects.Read();
        async Task<byte[]?> Read(string sha) => !IsSha256(sha) ? null
            : File.Exists(ObjectPath(sha)) ? await File.ReadAllBytesAsync(ObjectPath(sha), cancellationToken)
            : await packs.ReadAsync(sha, cancellationToken);

        async Task<IReadOnlyList<byte[]?>> ReadMany(IReadOnlyList<string> hashes)
        {
            var values = new byte[]?[hashes.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = await Read(hashes[i]);
            }

            return values;
        }

        return await Read(artifact.Sha256) is { } stored ? await ObjectRecipe.AssembleAsync(stored, artifact.Sha256, ReadMany) : null;
    }

    private static bool IsSha256(string hex) => hex.Length == 64 && hex.All(char.IsAsciiHexDigitLower);

    public Task<(IReadOnlyList<JobRecord> Jobs, string? NextCursor)> ListAsync(string tenant, JobQuery query, CancellationToken cancellationToken)
    {
        var ids = Directory.EnumerateFiles(Path.Combine(_root, "jobs"), "*.json").Select(Path.GetFileNameWithoutExtension).OfType<string>()
            .OrderDescending(StringComparer.Ordinal);
        return JobListing.PageAsync(ids, id => GetAsync(id, cancellationToken), tenant, query);
    }

    public async Task<IdempotencyEntry?> ClaimIdempotencyKeyAsync(string tenant, string key, string fingerprint, CancellationToken cancellationToken)
    {
        var path = IdempotencyPath(tenant, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            // CreateNew is the atomic claim: exactly one request creates the file.
            await using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            await JsonSerializer.SerializeAsync(stream, new IdempotencyEntry(fingerprint, null), StoreJson.Default.IdempotencyEntry, cancellationToken);
            return null;
        }
        catch (IOException) when (File.Exists(path))
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    return JsonSerializer.Deserialize(await File.ReadAllBytesAsync(path, cancellationToken), StoreJson.Default.IdempotencyEntry);
                }
                catch (JsonException) when (attempt < 20)
                {
                    await Task.Delay(5, cancellationToken); // the claimant is still writing it
                }
            }
        }
    }

    public Task CompleteIdempotencyKeyAsync(string tenant, string key, string fingerprint, string jobId, CancellationToken cancellationToken) =>
        WriteAtomicAsync(IdempotencyPath(tenant, key), JsonSerializer.SerializeToUtf8Bytes(new IdempotencyEntry(fingerprint, jobId), StoreJson.Default.IdempotencyEntry), cancellationToken);

    public Task ReleaseIdempotencyKeyAsync(string tenant, string key, CancellationToken cancellationToken)
    {
        File.Delete(IdempotencyPath(tenant, key));
        return Task.CompletedTask;
    }

    public Task SaveDeliveryAsync(DeliveryRecord delivery, CancellationToken cancellationToken) =>
        WriteAtomicAsync(Path.Combine(_root, "deliveries", delivery.JobId, delivery.Id + ".json"), JsonSerializer.SerializeToUtf8Bytes(delivery, StoreJson.Default.DeliveryRecord), cancellationToken);

    public async Task<DeliveryRecord?> GetDeliveryAsync(string jobId, string deliveryId, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_root, "deliveries", jobId, deliveryId + ".json");
        return IsSafeId(jobId) && IsSafeId(deliveryId) && File.Exists(path)
            ? JsonSerializer.Deserialize(await File.ReadAllBytesAsync(path, cancellationToken), StoreJson.Default.DeliveryRecord)
            : null;
    }

    public async Task<IReadOnlyList<DeliveryRecord>> ListDeliveriesAsync(string jobId, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(_root, "deliveries", jobId);
        if (!IsSafeId(jobId) || !Directory.Exists(folder))
        {
            return [];
        }

        var list = new List<DeliveryRecord>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            list.Add(JsonSerializer.Deserialize(await File.ReadAllBytesAsync(file, cancellationToken), StoreJson.Default.DeliveryRecord)!);
        }

        return list;
    }

    public async IAsyncEnumerable<string> UnfinishedJobIdsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_root, "active")))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Path.GetFileName(file);
        }

        await Task.CompletedTask;
    }

    public async IAsyncEnumerable<string> AllJobIdsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_root, "jobs"), "*.json"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Path.GetFileNameWithoutExtension(file);
        }

        await Task.CompletedTask;
    }

    public async Task<int> SweepSourcesAsync(DateTimeOffset unusedSince, IReadOnlySet<string> keep, CancellationToken cancellationToken)
    {
        var removed = 0;

        // A pack goes when its index was last touched before the cut and it holds nothing to keep.
        foreach (var (pack, touched, members) in _sources.Packs().ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (touched >= unusedSince.UtcDateTime || members.Any(keep.Contains))
            {
                continue;
            }

            _sources.Delete(pack);
            foreach (var sha in members)
            {
                _recentBlobs.TryRemove(sha, out _);
            }

            removed += members.Count;
        }

        foreach (var blob in Directory.EnumerateFiles(Path.Combine(_root, "blobs"), "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!keep.Contains(Path.GetFileName(blob)) && File.GetLastWriteTimeUtc(blob) < unusedSince.UtcDateTime)
            {
                File.Delete(blob);
                removed++;
            }
        }

        return removed;
    }

    public async Task SweepUnnamedAsync(CancellationToken cancellationToken)
    {
        // Objects (artifacts, artifact indexes, manifests) that nothing names any more; an hour's grace
        // covers a save whose reference is not written yet.
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_root, "artifacts"), "*.ref.json"))
        {
            var reference = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(file, cancellationToken), StoreJson.Default.ArtifactReference)!;
            named.Add(reference.Index);
            if (reference.Metrics is { } metrics)
            {
                named.Add(metrics.Sha256);
            }

            if (File.Exists(ObjectPath(reference.Index)))
            {
                var entries = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(ObjectPath(reference.Index), cancellationToken), StoreJson.Default.ImmutableArrayArtifactInfo);
                named.UnionWith(entries.Select(e => e.Sha256));
            }

            // The blocks the job's documents are recipes of: named by the job, though no artifact of their own.
            if (reference.Parts is { } parts)
            {
                named.Add(parts);
                if (File.Exists(ObjectPath(parts)))
                {
                    named.UnionWith(JsonSerializer.Deserialize(await File.ReadAllBytesAsync(ObjectPath(parts), cancellationToken), StoreJson.Default.StringArray) ?? []);
                }
            }
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(_root, "manifests")))
        {
            named.Add(await File.ReadAllTextAsync(file, cancellationToken));
        }

        var graceEnd = DateTime.UtcNow.AddHours(-1);
        foreach (var blob in Directory.EnumerateFiles(Path.Combine(_root, "objects"), "*", SearchOption.AllDirectories))
        {
            if (!named.Contains(Path.GetFileName(blob)) && File.GetLastWriteTimeUtc(blob) < graceEnd)
            {
                File.Delete(blob);
            }
        }

        // An object pack goes whole when nothing names any object in it and it was last written or touched
        // before the grace; a pack with one named object stays whole (its space comes back when that one goes).
        // The members are the pack's own index: two builds may have packed the same object, and whichever copy
        // this process maps to, a pack holding a named object is never dropped.
        foreach (var (pack, touched, members) in _objects.Packs().ToList())
        {
            if (touched < graceEnd && !members.Any(named.Contains))
            {
                _objects.Delete(pack);
                foreach (var sha in members)
                {
                    _recentBlobs.TryRemove(sha, out _);
                }
            }
        }
    }

    public Task DeleteDeliveriesAsync(string jobId, CancellationToken cancellationToken)
    {
        var deliveries = Path.Combine(_root, "deliveries", jobId);
        if (IsSafeId(jobId) && Directory.Exists(deliveries))
        {
            Directory.Delete(deliveries, recursive: true);
        }

        return Task.CompletedTask;
    }

    public Task DeleteAsync(JobRecord job, CancellationToken cancellationToken)
    {
        if (!IsSafeId(job.Id))
        {
            return Task.CompletedTask;
        }

        File.Delete(JobPath(job.Id));
        File.Delete(ManifestPath(job.Id));
        File.Delete(ActivePath(job.Id));
        _finished.Forget(job.Id);
        return Task.CompletedTask;
    }

    /// <summary>Ready only when a file can really be written and renamed here: a read-only or full data folder is not ready.</summary>
    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            var probe = Path.Combine(_root, "tmp", "ready-" + Guid.NewGuid().ToString("n"));
            await File.WriteAllBytesAsync(probe, "ready"u8.ToArray(), cancellationToken);
            File.Delete(probe);
            return Directory.Exists(Path.Combine(_root, "jobs"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private string IdempotencyPath(string tenant, string key) =>
        Path.Combine(_root, "idempotency", IdempotencyKeys.Hash(tenant, key) + ".json");

    private string JobPath(string id) => Path.Combine(_root, "jobs", id + ".json");

    /// <summary>
    /// At most <see cref="MaxRecent"/> hashes are remembered; past that the memory starts again (a forgotten
    /// hash costs one syscall on its next use, never a lost touch), so a long-lived process stays bounded.
    /// </summary>
    private void Remember(string sha, DateTime now)
    {
        // Counted here, not with the table's Count: that takes every one of its locks (up to 1,024 once it has grown),
        // and this runs once per source of an upload. An upper bound is enough to keep the memory bounded.
        if (Volatile.Read(ref _recentCount) >= MaxRecent)
        {
            _recentBlobs.Clear();
            Volatile.Write(ref _recentCount, 0);
        }

        if (_recentBlobs.TryAdd(sha, now))
        {
            Interlocked.Increment(ref _recentCount);
        }
        else
        {
            _recentBlobs[sha] = now;
        }
    }

    private int _recentCount;

    private const int MaxRecent = 1_000_000;

    private string ArtifactReferencePath(string id) => Path.Combine(_root, "artifacts", id + ".ref.json");

    private string ObjectPath(string sha256) => Path.Combine(_root, "objects", sha256[..2], sha256);

    /// <summary>
    /// True when an object is stored already (as a loose file, or with <paramref name="touched"/> in a pack too),
    /// touched so the sweep's grace counts from now; an object this process stored or touched within
    /// <see cref="TouchInterval"/> costs no syscall. Control objects pass no <paramref name="touched"/>: their
    /// readers read one path, so only a loose copy counts.
    /// </summary>
    private bool Stored(string sha, DateTime now, Dictionary<string, bool>? touched)
    {
        if (_recentBlobs.TryGetValue(sha, out var seen) && now - seen < TouchInterval)
        {
            return true;
        }

        var path = ObjectPath(sha);
        if (File.Exists(path))
        {
            File.SetLastWriteTimeUtc(path, now);
        }
        else if (touched is null || _objects.Find(sha, refresh: false) is not { } at || !_objects.Touch(at.Pack, touched, now))
        {
            return false;
        }

        Remember(sha, now);
        return true;
    }

    /// <summary>
    /// Stores a control object (an artifact index, an input list) as a loose file by its SHA-256 unless stored
    /// already; returns the hash. Artifact values go into the build's pack instead (<see cref="SaveArtifactsAsync"/>).
    /// </summary>
    private async Task<string> PutObjectAsync(ArtifactContent content, CancellationToken cancellationToken)
    {
        var sha = content.Sha256;
        var now = DateTime.UtcNow;
        if (!Stored(sha, now, touched: null))
        {
            await WriteAtomicAsync(ObjectPath(sha), content, cancellationToken);
            Remember(sha, now);
        }

        return sha;
    }

    private string ActivePath(string id) => Path.Combine(_root, "active", id);

    /// <summary>
    /// Holds the hash of the job's project manifest (an object). A folder of its own, not the <c>inputs/</c> of the
    /// plain input lists before manifests: a job accepted by that version finds no manifest and fails with that reason.
    /// </summary>
    private string ManifestPath(string id) => Path.Combine(_root, "manifests", id);

    private string BlobPath(string sha256) => Path.Combine(_root, "blobs", sha256[..2], sha256);

    /// <summary>Job and delivery ids are ours (hex, "msg_" + hex); anything else never reaches a path.</summary>
    private static bool IsSafeId(string id) => id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private async Task WriteAtomicAsync(string path, ArtifactContent content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = Path.Combine(_root, "tmp", Guid.NewGuid().ToString("n"));
        await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
        {
            await content.WriteToAsync(file, cancellationToken); // a chunk is written from its parts, never copied together
        }

        File.Move(temp, path, overwrite: true);
    }

    private async Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = Path.Combine(_root, "tmp", Guid.NewGuid().ToString("n"));
        await File.WriteAllBytesAsync(temp, content, cancellationToken);
        File.Move(temp, path, overwrite: true);
    }
}
