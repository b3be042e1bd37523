using System.Security.Cryptography;
using Grump.Hyper.Client;

namespace Grump.Hyper.Cli;

/// <summary>
/// Submits a folder by uploading only what the service lacks: the files' SHA-256 digests are asked about
/// (<c>POST /blobs/missing</c>), the missing blobs go up as archives of entries named by their digests
/// (<c>POST /blobs</c>), and the compile is asked for with a JSON manifest (<c>POST /compile/manifest</c>),
/// all through the generated client. An edit of 1% of a project sends about 1% of its bytes.
/// </summary>
internal static class BlobUpload
{
    /// <summary>Raw bytes per blob archive: well inside the service's default 64 MiB upload limit.</summary>
    private const long BatchBytes = 32L * 1024 * 1024;

    private const int DigestsPerQuestion = 10_000;

    public static async Task<(JobView Job, string Sent)> SubmitAsync(GrumpHyperClient client, string folder, Tier tier, string? label, CancellationToken cancellationToken)
    {
        // Every file is read and hashed on every core, each in one synchronous read: a project is thousands of small
        // files, and one after another with an asynchronous read each, listing and hashing 10,000 of them took
        // 340-412 ms of a fresh process against 215-281 ms so (round 36, three submits each, alternating).
        var found = ProjectFolder.Files(folder).ToArray();
        var entries = new DeclaredFile[found.Length];
        try
        {
            Parallel.For(0, found.Length, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            {
                var bytes = File.ReadAllBytes(found[i].FullPath);
                entries[i] = new DeclaredFile { Path = found[i].Relative, Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)), Size = bytes.Length };
            });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            // As a read one after another would fail (an unreadable file), not wrapped, for the caller's handling.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
        }

        var files = found.Select((file, i) => (Entry: entries[i], file.FullPath)).ToList();

        var missing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in files.Select(f => f.Entry.Sha256).Distinct(StringComparer.Ordinal).Chunk(DigestsPerQuestion))
        {
            missing.UnionWith((await client.FindMissingBlobsAsync(new MissingBlobsRequest { Digests = chunk }, cancellationToken)).Missing);
        }

        var upload = files.Where(f => missing.Remove(f.Entry.Sha256)).ToList(); // each missing digest once
        long sent = 0;
        foreach (var batch in Batches(upload))
        {
            using var archive = new MemoryStream(ProjectFolder.TarGz(batch.Select(f => (f.Entry.Sha256, f.FullPath))), writable: false);
            await client.PutBlobsAsync(archive, cancellationToken);
            sent += batch.Sum(f => f.Entry.Size);
        }

        var manifest = new CompileManifestRequest { Files = [.. files.Select(f => f.Entry)], Tier = tier, Label = label! };
        var job = await client.SubmitManifestAsync(idempotency_Key: null!, prefer: null!, manifest, cancellationToken);
        return (job, $"{upload.Count:N0} of {files.Count:N0} files uploaded, {sent:N0} of {files.Sum(f => f.Entry.Size):N0} bytes");
    }

    private static IEnumerable<List<(DeclaredFile Entry, string FullPath)>> Batches(List<(DeclaredFile Entry, string FullPath)> files)
    {
        var batch = new List<(DeclaredFile, string)>();
        long bytes = 0;
        foreach (var file in files)
        {
            if (batch.Count > 0 && bytes + file.Entry.Size > BatchBytes)
            {
                yield return batch;
                (batch, bytes) = ([], 0);
            }

            batch.Add(file);
            bytes += file.Entry.Size;
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }
}
