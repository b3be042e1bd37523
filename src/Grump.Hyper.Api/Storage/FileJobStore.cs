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

    public FileJobStore(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(_root, "jobs"));
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

    public Task CreateAsync(JobRecord job, CancellationToken cancellationToken) =>
        WriteAtomicAsync(JobPath(job.Id), JsonSerializer.SerializeToUtf8Bytes(job with { Version = 1 }, StoreJson.Default.JobRecord), cancellationToken);

    public async Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (!IsSafeId(id) || !File.Exists(JobPath(id)))
        {
            return null;
        }

        var bytes = await File.ReadAllBytesAsync(JobPath(id), cancellationToken);
        return JsonSerializer.Deserialize(bytes, StoreJson.Default.JobRecord);
    }

    public async Task<JobRecord> UpdateAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var next = job with { Version = job.Version + 1 };
        await WriteAtomicAsync(JobPath(job.Id), JsonSerializer.SerializeToUtf8Bytes(next, StoreJson.Default.JobRecord), cancellationToken);
        return next;
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

    public Task<bool> PingAsync(CancellationToken cancellationToken) => Task.FromResult(Directory.Exists(Path.Combine(_root, "jobs")));

    private string JobPath(string id) => Path.Combine(_root, "jobs", id + ".json");

    private string BlobPath(string sha256) => Path.Combine(_root, "blobs", sha256[..2], sha256);

    private static bool IsSafeId(string id) => id.Length is > 0 and <= 64 && id.All(char.IsAsciiLetterOrDigit);

    private async Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = Path.Combine(_root, "tmp", Guid.NewGuid().ToString("n"));
        await File.WriteAllBytesAsync(temp, content, cancellationToken);
        File.Move(temp, path, overwrite: true);
    }
}
