using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Grump.Hyper.Client;

namespace Grump.Hyper.Cli;

/// <summary>
/// Submits a folder by uploading only what the service lacks: the files' SHA-256 digests are asked about
/// (<c>POST /blobs/missing</c>), the missing blobs go up as archives of entries named by their digests
/// (<c>POST /blobs</c>), and the compile is asked for with a JSON manifest. An edit of 1% of a project sends
/// about 1% of its bytes. These three calls are plain HTTP: the generated client offers the compile only as
/// a multipart upload.
/// </summary>
internal static class BlobUpload
{
    /// <summary>Raw bytes per blob archive: well inside the service's default 64 MiB upload limit.</summary>
    private const long BatchBytes = 32L * 1024 * 1024;

    private const int DigestsPerQuestion = 10_000;

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private sealed record Missing(List<string> Digests);

    private sealed record MissingAnswer(List<string> Missing);

    private sealed record Declared(string Path, string Sha256, long Size);

    private sealed record Manifest(List<Declared> Files, string Tier, string? Label);

    public static async Task<(JobView Job, string Sent)> SubmitAsync(HttpClient http, string folder, string tier, string? label, CancellationToken cancellationToken)
    {
        var files = new List<(Declared Entry, string FullPath)>();
        foreach (var (relative, path) in ProjectFolder.Files(folder))
        {
            await using var stream = File.OpenRead(path);
            var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
            files.Add((new Declared(relative, sha, stream.Length), path));
        }

        var missing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in files.Select(f => f.Entry.Sha256).Distinct(StringComparer.Ordinal).Chunk(DigestsPerQuestion))
        {
            using var answer = await http.PostAsJsonAsync("blobs/missing", new Missing([.. chunk]), Web, cancellationToken);
            missing.UnionWith((await ReadAsync<MissingAnswer>(answer, cancellationToken)).Missing);
        }

        var upload = files.Where(f => missing.Remove(f.Entry.Sha256)).ToList(); // each missing digest once
        long sent = 0;
        foreach (var batch in Batches(upload))
        {
            using var content = new ByteArrayContent(ProjectFolder.TarGz(batch.Select(f => (f.Entry.Sha256, f.FullPath))));
            content.Headers.ContentType = new("application/gzip");
            using var stored = await http.PostAsync("blobs", content, cancellationToken);
            await ReadAsync<System.Text.Json.JsonElement>(stored, cancellationToken);
            sent += batch.Sum(f => f.Entry.Size);
        }

        using var compile = await http.PostAsJsonAsync("compile", new Manifest([.. files.Select(f => f.Entry)], tier, label), Web, cancellationToken);
        var job = await ReadAsync<JobView>(compile, cancellationToken);
        return (job, $"{upload.Count:N0} of {files.Count:N0} files uploaded, {sent:N0} of {files.Sum(f => f.Entry.Size):N0} bytes");
    }

    private static IEnumerable<List<(Declared Entry, string FullPath)>> Batches(List<(Declared Entry, string FullPath)> files)
    {
        var batch = new List<(Declared, string)>();
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

    /// <summary>The body as <typeparamref name="T"/>, or the generated client's exception for a refusal, so the exit codes are the same.</summary>
    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return JsonSerializer.Deserialize<T>(text, Web) ?? throw new ApiException("The service answered with an empty body.", (int)response.StatusCode, text, new Dictionary<string, IEnumerable<string>>(), null);
        }

        var headers = response.Headers.ToDictionary(h => h.Key, h => h.Value);
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json" && JsonSerializer.Deserialize<ProblemDetails>(text, Web) is { } problem)
        {
            throw new ApiException<ProblemDetails>(problem.Title, (int)response.StatusCode, text, headers, problem, null);
        }

        throw new ApiException("The service refused the request.", (int)response.StatusCode, text, headers, null);
    }
}
