using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Api.Storage;

/// <summary>
/// The embedded store: a data folder shared by the processes of one machine. Writes go to a temporary
/// file and are renamed into place, so a reader never sees half a record.
/// </summary>
public sealed class FileJobStore : IJobStore
{
    private readonly string _root;
    private readonly FinishedJobCache _finished = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public FileJobStore(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(_root, "jobs"));
        Directory.CreateDirectory(Path.Combine(_root, "inputs"));
        Directory.CreateDirectory(Path.Combine(_root, "blobs"));
        Directory.CreateDirectory(Path.Combine(_root, "artifacts"));
        Directory.CreateDirectory(Path.Combine(_root, "tmp"));
    }

    public string Kind => "filesystem";

    public async Task PutSourcesAsync(IReadOnlyList<SourceFile> files, CancellationToken cancellationToken)
    {
        foreach (var file in files)
        {
            var path = BlobPath(file.Sha256);
            if (!File.Exists(path))
            {
                await WriteAtomicAsync(path, file.Content, cancellationToken);
            }
            else
            {
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow); // uploaded again: the sweep counts from now
            }
        }
    }

    public async Task<IReadOnlyList<SourceFile>> GetSourcesAsync(IReadOnlyList<InputRef> inputs, CancellationToken cancellationToken)
    {
        var files = new List<SourceFile>(inputs.Count);
        foreach (var input in inputs)
        {
            var bytes = await File.ReadAllBytesAsync(BlobPath(input.Sha256), cancellationToken);
            files.Add(new SourceFile(input.Path, bytes));
        }

        return files;
    }

    public async Task CreateAsync(JobRecord job, IReadOnlyList<InputRef> inputs, CancellationToken cancellationToken)
    {
        // Inputs first: a job record that exists always has its inputs.
        await WriteAtomicAsync(InputsPath(job.Id), JsonSerializer.SerializeToUtf8Bytes([.. inputs], StoreJson.Default.ImmutableArrayInputRef), cancellationToken);
        await WriteAtomicAsync(JobPath(job.Id), JsonSerializer.SerializeToUtf8Bytes(job with { Version = 1 }, StoreJson.Default.JobRecord), cancellationToken);
    }

    public async Task<IReadOnlyList<InputRef>> GetInputsAsync(string id, CancellationToken cancellationToken) =>
        IsSafeId(id) && File.Exists(InputsPath(id))
            ? JsonSerializer.Deserialize(await File.ReadAllBytesAsync(InputsPath(id), cancellationToken), StoreJson.Default.ImmutableArrayInputRef)
            : [];

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
            return next;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task SaveArtifactsAsync(string id, ArtifactSet artifacts, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(_root, "artifacts", id);
        var index = ImmutableArray.CreateBuilder<ArtifactInfo>();
        foreach (var (path, content) in artifacts)
        {
            await WriteAtomicAsync(Path.Combine(folder, path), content, cancellationToken);
            index.Add(new ArtifactInfo(path, content.Length, Convert.ToHexStringLower(SHA256.HashData(content))));
        }

        await WriteAtomicAsync(folder + ".index.json", JsonSerializer.SerializeToUtf8Bytes(index.ToImmutable(), StoreJson.Default.ImmutableArrayArtifactInfo), cancellationToken);
    }

    public Task DeleteArtifactsAsync(string id, CancellationToken cancellationToken)
    {
        if (IsSafeId(id))
        {
            File.Delete(Path.Combine(_root, "artifacts", id + ".index.json"));
            var folder = Path.Combine(_root, "artifacts", id);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<ArtifactInfo>?> ListArtifactsAsync(string id, CancellationToken cancellationToken)
    {
        var indexPath = Path.Combine(_root, "artifacts", id + ".index.json");
        if (!IsSafeId(id) || !File.Exists(indexPath))
        {
            return null;
        }

        return JsonSerializer.Deserialize(await File.ReadAllBytesAsync(indexPath, cancellationToken), StoreJson.Default.ImmutableArrayArtifactInfo);
    }

    public async Task<byte[]?> GetArtifactAsync(string id, string path, CancellationToken cancellationToken)
    {
        // Only paths from the job's own index are served, so no request path ever reaches the file system.
        var index = await ListArtifactsAsync(id, cancellationToken);
        if (index is null || !index.Any(a => a.Path == path))
        {
            return null;
        }

        return await File.ReadAllBytesAsync(Path.Combine(_root, "artifacts", id, path), cancellationToken);
    }

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

    public async IAsyncEnumerable<string> AllJobIdsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_root, "jobs"), "*.json"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Path.GetFileNameWithoutExtension(file);
        }

        await Task.CompletedTask;
    }

    public Task<int> SweepSourcesAsync(DateTimeOffset unusedSince, IReadOnlySet<string> keep, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var blob in Directory.EnumerateFiles(Path.Combine(_root, "blobs"), "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!keep.Contains(Path.GetFileName(blob)) && File.GetLastWriteTimeUtc(blob) < unusedSince.UtcDateTime)
            {
                File.Delete(blob);
                removed++;
            }
        }

        return Task.FromResult(removed);
    }

    public async Task DeleteJobAsync(JobRecord job, CancellationToken cancellationToken)
    {
        if (!IsSafeId(job.Id))
        {
            return;
        }

        await DeleteArtifactsAsync(job.Id, cancellationToken);
        var deliveries = Path.Combine(_root, "deliveries", job.Id);
        if (Directory.Exists(deliveries))
        {
            Directory.Delete(deliveries, recursive: true);
        }

        File.Delete(JobPath(job.Id));
        File.Delete(InputsPath(job.Id));
        _finished.Forget(job.Id);
    }

    public Task<bool> PingAsync(CancellationToken cancellationToken) => Task.FromResult(Directory.Exists(Path.Combine(_root, "jobs")));

    private string IdempotencyPath(string tenant, string key) =>
        Path.Combine(_root, "idempotency", IdempotencyKeys.Hash(tenant, key) + ".json");

    private string JobPath(string id) => Path.Combine(_root, "jobs", id + ".json");

    private string InputsPath(string id) => Path.Combine(_root, "inputs", id + ".json");

    private string BlobPath(string sha256) => Path.Combine(_root, "blobs", sha256[..2], sha256);

    /// <summary>Job and delivery ids are ours (hex, "msg_" + hex); anything else never reaches a path.</summary>
    private static bool IsSafeId(string id) => id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private async Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = Path.Combine(_root, "tmp", Guid.NewGuid().ToString("n"));
        await File.WriteAllBytesAsync(temp, content, cancellationToken);
        File.Move(temp, path, overwrite: true);
    }
}
