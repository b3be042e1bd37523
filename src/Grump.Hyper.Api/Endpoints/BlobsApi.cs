using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using Grump.Hyper.Api.Auth;
using Grump.Hyper.Api.Configuration;
using Grump.Hyper.Api.Problems;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Engine.Archives;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Grump.Hyper.Api.Endpoints;

/// <summary>A project's file as <c>POST /compile</c> takes it in a JSON manifest: its path, and the address and size of a blob uploaded before.</summary>
public sealed record DeclaredFile(string Path, string Sha256, long Size);

/// <summary>
/// <c>POST /compile</c> with <c>application/json</c>: the project as a list of blobs this tenant has uploaded, with
/// the same options as the multipart fields. Only what <c>POST /blobs/missing</c> named needs uploading first.
/// </summary>
public sealed record CompileManifestRequest(IReadOnlyList<DeclaredFile> Files, string? Tier = null, string? Label = null, string? CallbackUrl = null, string? CallbackEvents = null);

public sealed record MissingBlobsRequest(IReadOnlyList<string> Digests);

public sealed record MissingBlobsResponse(IReadOnlyList<string> Missing);

public sealed record StoredBlobsResponse(int Stored);

/// <summary>
/// Upload only what is missing (the Bazel Remote Execution API's FindMissingBlobs idea): ask which of a project's
/// blobs this tenant has not stored, upload those (one by one or as one archive), then compile from a manifest.
/// Every blob is verified against its address where it is received; a tenant is only told about blobs it
/// uploaded itself.
/// </summary>
public static class BlobsApi
{
    public static IEndpointRouteBuilder MapBlobsApi(this IEndpointRouteBuilder app)
    {
        var blobs = app.MapTenantGroup("/blobs", "Blobs");
        blobs.MapPost("/missing", MissingAsync).WithName("FindMissingBlobs")
            .WithSummary("Which of these SHA-256 digests this tenant still has to upload")
            .WithDescription("Send {\"digests\": [...]} (lower-case hex, at most the upload entry limit); the answer lists those this tenant has not uploaded or the store no longer holds. Asking keeps the others alive as an upload would.")
            .Accepts<MissingBlobsRequest>("application/json")
            .Produces<MissingBlobsResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        blobs.MapPut("/{sha256}", PutAsync).WithName("PutBlob")
            .WithSummary("Upload one blob at its address")
            .WithDescription("The body is the file's bytes; they must hash to the address, and be at most the per-file limit.")
            .Accepts<Stream>("application/octet-stream")
            .Produces<StoredBlobsResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        blobs.MapPost("/", PostBatchAsync).WithName("PutBlobs")
            .WithSummary("Upload many blobs as one zip or tar.gz whose entries are named by their SHA-256")
            // No Accepts: that would refuse every Content-Type but the ones listed, and the body is told apart by its
            // bytes; the document describes it as one raw body (OpenApiContract).
            .WithDescription("The body is a zip or tar.gz (told apart by its bytes, whatever its Content-Type), read under the upload limits; every entry must hash to its name.")
            .Produces<StoredBlobsResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return app;
    }

    internal static bool IsDigest(string? text) => text is { Length: 64 } && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static async Task<IResult> MissingAsync(HttpRequest request, Tenant tenant, ISourceStore sources, ITenantBlobs tenantBlobs, IOptions<HyperApiOptions> options, CancellationToken cancellationToken)
    {
        var limits = options.Value.Limits;
        // Bounded before it is parsed: a digest and its quotes and comma are 67 bytes.
        var bytes = await CompileApi.ReadBoundedAsync(request, (limits.MaxEntries * 68L) + 1024, cancellationToken);
        if (bytes is null)
        {
            return ProblemTypes.Create(StatusCodes.Status413PayloadTooLarge, "too-many-digests", "Too many digests", $"Ask about at most {limits.MaxEntries} digests at once.");
        }

        MissingBlobsRequest? body;
        try
        {
            body = JsonSerializer.Deserialize(bytes, ApiJson.Default.MissingBlobsRequest);
        }
        catch (JsonException ex)
        {
            return ProblemTypes.Create(StatusCodes.Status400BadRequest, "invalid-body", "Unreadable body", ex.Message);
        }

        if (body?.Digests is not { } digests || digests.Count > limits.MaxEntries || digests.Any(d => !IsDigest(d)))
        {
            return ProblemTypes.Create(StatusCodes.Status400BadRequest, "invalid-digests", "Invalid digests",
                $"Send {{\"digests\": [...]}} with at most {limits.MaxEntries} lower-case hex SHA-256 digests.");
        }

        return TypedResults.Ok(new MissingBlobsResponse(await MissingOfAsync(tenant.Name, digests, sources, tenantBlobs, cancellationToken)));
    }

    /// <summary>Those of <paramref name="digests"/> the tenant has not uploaded, or the store no longer holds (the held ones are touched).</summary>
    internal static async Task<IReadOnlyList<string>> MissingOfAsync(string tenant, IReadOnlyList<string> digests, ISourceStore sources, ITenantBlobs tenantBlobs, CancellationToken cancellationToken)
    {
        var distinct = digests.Distinct(StringComparer.Ordinal).ToList();
        var known = await tenantBlobs.TenantBlobsAsync(tenant, distinct, cancellationToken);
        var held = await sources.TouchSourcesAsync([.. distinct.Where(known.Contains)], cancellationToken);
        return [.. distinct.Where(d => !held.Contains(d))];
    }

    private static async Task<IResult> PutAsync(string sha256, HttpRequest request, Tenant tenant, ISourceStore sources, ITenantBlobs tenantBlobs, IOptions<HyperApiOptions> options, CancellationToken cancellationToken)
    {
        var limits = options.Value.Limits;
        if (!IsDigest(sha256))
        {
            return ProblemTypes.Create(StatusCodes.Status400BadRequest, "invalid-digest", "Invalid digest", "A blob's address is its SHA-256 as 64 lower-case hex digits.");
        }

        var bytes = await CompileApi.ReadBoundedAsync(request, limits.MaxEntryBytes, cancellationToken);
        if (bytes is null)
        {
            return ProblemTypes.Create(StatusCodes.Status413PayloadTooLarge, "blob-too-large", "Blob too large", $"A blob has at most {limits.MaxEntryBytes} bytes (the per-file limit).");
        }

        if (!string.Equals(SourceFile.Hash(bytes), sha256, StringComparison.Ordinal))
        {
            return ProblemTypes.Create(StatusCodes.Status400BadRequest, "blob-digest-mismatch", "Blob does not match its address", $"The body's SHA-256 is {SourceFile.Hash(bytes)}, not {sha256}.");
        }

        await sources.PutSourcesAsync([new SourceFile(sha256, bytes)], cancellationToken);
        await tenantBlobs.AddTenantBlobsAsync(tenant.Name, [sha256], cancellationToken);
        return TypedResults.Created($"/blobs/{sha256}", new StoredBlobsResponse(1));
    }

    private static async Task<IResult> PostBatchAsync(HttpRequest request, Tenant tenant, ISourceStore sources, ITenantBlobs tenantBlobs, IOptions<HyperApiOptions> options, CancellationToken cancellationToken)
    {
        var limits = options.Value.Limits;
        var body = await CompileApi.ReadBoundedAsync(request, limits.MaxArchiveBytes, cancellationToken);
        if (body is null)
        {
            return ProblemTypes.Create(StatusCodes.Status413PayloadTooLarge, "archive-too-large", "Archive too large", $"The archive is over the limit of {limits.MaxArchiveBytes} bytes.");
        }

        var read = ArchiveReader.Read(body, limits);
        if (!read.IsSuccess)
        {
            return ProblemTypes.Archive(read.Error!);
        }

        var files = ImmutableArray.CreateBuilder<SourceFile>(read.Files!.Count);
        foreach (var file in read.Files!)
        {
            var name = file.Path[(file.Path.LastIndexOf('/') + 1)..];
            if (!IsDigest(name) || !string.Equals(file.Sha256, name, StringComparison.Ordinal))
            {
                return ProblemTypes.Create(StatusCodes.Status400BadRequest, "blob-digest-mismatch", "Blob does not match its name",
                    $"Entry '{file.Path}' must be named by the SHA-256 of its bytes ({file.Sha256}).");
            }

            files.Add(SourceFile.Verified(name, file.Content, name));
        }

        await sources.PutSourcesAsync(files, cancellationToken);
        await tenantBlobs.AddTenantBlobsAsync(tenant.Name, [.. files.Select(f => f.Sha256)], cancellationToken);
        return TypedResults.Ok(new StoredBlobsResponse(files.Count));
    }

    /// <summary>
    /// The files of a JSON manifest, checked as an archive's entries are (paths, counts, sizes), each blob this
    /// tenant's and still held; described by address and size, except grump.json, whose settings are read here.
    /// </summary>
    internal static async Task<(IReadOnlyList<SourceFile>? Files, ProblemHttpResult? Problem)> DeclaredAsync(
        string tenant, IReadOnlyList<DeclaredFile> declared, ArchiveLimits limits, ISourceStore sources, ITenantBlobs tenantBlobs, CancellationToken cancellationToken)
    {
        if (declared.Count > limits.MaxEntries)
        {
            return (null, ProblemTypes.Archive(new ArchiveError(ArchiveErrorKind.TooManyEntries, $"The manifest lists {declared.Count} files; the limit is {limits.MaxEntries}.", null, limits.MaxEntries)));
        }

        var paths = new HashSet<string>(StringComparer.Ordinal);
        var files = new List<SourceFile>(declared.Count);
        long total = 0;
        foreach (var file in declared)
        {
            if (file is null || !IsDigest(file.Sha256) || file.Size < 0)
            {
                return (null, ProblemTypes.Create(StatusCodes.Status400BadRequest, "invalid-manifest", "Invalid manifest", "Each file needs a path, a lower-case hex sha256 and a size of 0 or more."));
            }

            if (ArchivePaths.Normalize(file.Path ?? string.Empty, limits, out var path, out var ignored) is { } error)
            {
                return (null, ProblemTypes.Archive(error));
            }

            if (file.Size > limits.MaxEntryBytes)
            {
                return (null, ProblemTypes.Archive(new ArchiveError(ArchiveErrorKind.EntryTooLarge, $"'{path}' is {file.Size} bytes; the limit is {limits.MaxEntryBytes}.", path, limits.MaxEntryBytes)));
            }

            total += file.Size;
            if (total > limits.MaxTotalBytes)
            {
                return (null, ProblemTypes.Archive(new ArchiveError(ArchiveErrorKind.TotalTooLarge, $"The files add up to more than {limits.MaxTotalBytes} bytes.", null, limits.MaxTotalBytes)));
            }

            if (ignored)
            {
                continue;
            }

            if (!paths.Add(path))
            {
                return (null, ProblemTypes.Create(StatusCodes.Status400BadRequest, "duplicate-path", "Duplicate path", $"'{path}' is listed twice."));
            }

            files.Add(SourceFile.Described(path, file.Sha256, file.Size));
        }

        var missing = await MissingOfAsync(tenant, [.. files.Select(f => f.Sha256)], sources, tenantBlobs, cancellationToken);
        if (missing.Count > 0)
        {
            return (null, ProblemTypes.Create(StatusCodes.Status409Conflict, "blobs-missing", "Blobs missing",
                $"{missing.Count} of the manifest's blobs are not uploaded (or no longer held); upload them (PUT /blobs/{{sha256}} or POST /blobs) and submit again.",
                new Dictionary<string, object?> { ["missing"] = missing.Take(1000).ToArray() }));
        }

        // Settings files are read now, as an archive's would be; every other file stays an address and a size.
        var settings = files.Select((f, i) => (f, i)).Where(p => Path.GetFileName(p.f.Path) == Grump.Hyper.Compiler.Project.ProjectSettings.FileName).ToList();
        if (settings.Count > 0)
        {
            var loaded = await sources.GetSourcesAsync([.. settings.Select(p => new Grump.Hyper.Compiler.Project.ProjectInput(p.f.Path, p.f.Sha256, p.f.Size, Grump.Hyper.Compiler.Project.InputRole.Project))], cancellationToken);
            for (var k = 0; k < settings.Count; k++)
            {
                files[settings[k].i] = loaded[k];
            }
        }

        return (files, null);
    }
}
