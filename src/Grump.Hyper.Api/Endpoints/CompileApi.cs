using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using Grump.Hyper.Api.Auth;
using Grump.Hyper.Api.Configuration;
using Grump.Hyper.Api.Webhooks;
using Grump.Hyper.Api.Jobs;
using Grump.Hyper.Api.Problems;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Compiler.Project;
using Grump.Hyper.Engine.Archives;
using Grump.Hyper.Engine.Pipeline;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Grump.Hyper.Api.Endpoints;

/// <summary><c>POST /compile</c>: accept an archive, store its sources by content, queue the compile.</summary>
public static class CompileApi
{
    private const int MaxLabelLength = 200;

    private static readonly ImmutableHashSet<string> RawArchiveTypes = ImmutableHashSet.Create(StringComparer.OrdinalIgnoreCase,
        "application/zip", "application/x-zip-compressed", "application/gzip", "application/x-gzip", "application/x-tar", "application/octet-stream");

    public static IEndpointRouteBuilder MapCompileApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/compile", CompileAsync)
            .AddEndpointFilter<TenantFilter>()
            .RequireRateLimiting(HttpSetup.SubmitPolicy)
            .WithName("SubmitCompile")
            .WithTags("Compile")
            .WithSummary("Submit an archive of .intent files for compilation")
            .WithDescription("Send a zip or tar.gz as the multipart field `archive` (with optional fields `tier`, `label`, `callbackUrl`, `callbackEvents`). The archive may also be the raw body (`application/zip` or `application/gzip`, options as query parameters), and a JSON manifest of uploaded blobs is taken here too (see SubmitManifest). The format is detected from the bytes. Answers 202 with the queued job; poll its `Location`.")
            .Produces<JobView>(StatusCodes.Status202Accepted)
            .Produces<JobView>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status408RequestTimeout)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .DisableAntiforgery();

        // The same submission as a JSON manifest of uploaded blobs (POST /compile takes it too): an operation of
        // its own, so a generated client has one typed body per operation. Accepts makes routing refuse any other
        // body with 415, which the problem details customisation gives the URN contract.
        app.MapPost("/compile/manifest", CompileAsync)
            .AddEndpointFilter<TenantFilter>()
            .RequireRateLimiting(HttpSetup.SubmitPolicy)
            .WithName("SubmitManifest")
            .WithTags("Compile")
            .WithSummary("Submit a project as a manifest of blobs uploaded before")
            .WithDescription("The project's files by path, SHA-256 and size, each a blob this tenant uploaded (POST /blobs/missing says which to upload first), with the same options as POST /compile. 409 `blobs-missing` names any that are not held. Answers 202 with the queued job; poll its `Location`.")
            .Accepts<CompileManifestRequest>("application/json")
            .Produces<JobView>(StatusCodes.Status202Accepted)
            .Produces<JobView>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    /// <param name="Archive">The archive's bytes, or for a JSON manifest the request body's (what the idempotency fingerprint reads).</param>
    /// <param name="Files">The manifest's files when the project came as a JSON manifest of uploaded blobs, else null.</param>
    internal sealed record Submission(byte[] Archive, string? Tier, string? Label, string? CallbackUrl, string? CallbackEvents, IReadOnlyList<DeclaredFile>? Files = null);

    private const int MaxIdempotencyKeyLength = 255;
    private const int MaxPreferWaitSeconds = 30;

    private static async Task<Results<Accepted<JobView>, Ok<JobView>, ProblemHttpResult>> CompileAsync(
        HttpContext http, Tenant tenant, IJobRecords records, ISourceStore sourceStore, ITenantBlobs tenantBlobs, IIdempotencyKeyStore keys, IBackgroundJobClient jobs, TenantDirectory tenants, IOptions<HyperApiOptions> options,
        IOptions<WebhookOptions> webhooks, WebhookAddressGuard guard, Observability.ApiMetrics metrics, AcceptedUploads uploads, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(CompileApi).FullName!);
        var limits = options.Value.Limits;
        var (submission, problem) = await ReadSubmissionAsync(http.Request, limits, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var idempotencyKey = http.Request.Headers["Idempotency-Key"].ToString();
        if (idempotencyKey.Length > MaxIdempotencyKeyLength)
        {
            return ProblemTypes.Create(StatusCodes.Status400BadRequest, "invalid-idempotency-key", "Idempotency key too long", $"An Idempotency-Key has at most {MaxIdempotencyKeyLength} characters.");
        }

        string? fingerprint = null;
        if (idempotencyKey.Length > 0)
        {
            fingerprint = Fingerprint(submission!);
            var earlier = await keys.ClaimIdempotencyKeyAsync(tenant.Name, idempotencyKey, fingerprint, cancellationToken);
            if (earlier is not null)
            {
                return await ReplayAsync(http, records, tenant, earlier, fingerprint, options.Value, cancellationToken);
            }
        }

        Acceptance result;
        try
        {
            result = await AcceptAsync(tenant, submission!, records, sourceStore, tenantBlobs, jobs, tenants, options.Value, webhooks.Value, guard, uploads, cancellationToken);
        }
        catch (Exception ex)
        {
            // The key is bound to a response only once a job is accepted (Stripe's rule): whatever failed, a
            // retry with the same key must be able to try again, not meet 409 for a day.
            if (fingerprint is not null)
            {
                await ReleaseQuietlyAsync(keys, tenant.Name, idempotencyKey, logger);
            }

            if (!IsStorageDown(ex))
            {
                throw;
            }

            // Nothing is half-stored: sources are content-addressed, and a job record whose work could not be
            // queued was deleted again (or, if even that failed, the watchdog ends it).
            var cause = ex.GetBaseException();
            logger.LogWarning("Submission refused, storage unavailable: {Error}: {Message}", cause.GetType().Name, cause.Message);
            http.Response.Headers.RetryAfter = "5";
            return ProblemTypes.Create(StatusCodes.Status503ServiceUnavailable, "storage-unavailable", "Storage unavailable",
                "The job store or queue cannot be reached or written; the archive was not accepted and nothing of it was kept. Retry later (GET /readyz tells when).");
        }

        if (fingerprint is not null)
        {
            if (result.Job is { } accepted)
            {
                await keys.CompleteIdempotencyKeyAsync(tenant.Name, idempotencyKey, fingerprint, accepted.Id, CancellationToken.None);
            }
            else
            {
                await ReleaseQuietlyAsync(keys, tenant.Name, idempotencyKey, logger);
            }
        }

        if (result.Problem is not null)
        {
            return result.Problem;
        }

        metrics.Submitted(result.Job!.Tier, submission!.Archive.Length);

        return await WaitIfPreferredAsync(http, records, result.Job!, options.Value, cancellationToken);
    }

    /// <summary>A request with an idempotency key seen before: the same job, a conflict while it is being accepted, or 422 for another body.</summary>
    private static async Task<Results<Accepted<JobView>, Ok<JobView>, ProblemHttpResult>> ReplayAsync(
        HttpContext http, IJobRecords records, Tenant tenant, IdempotencyEntry earlier, string fingerprint, HyperApiOptions options, CancellationToken cancellationToken)
    {
        if (earlier.Fingerprint != fingerprint)
        {
            return ProblemTypes.Create(StatusCodes.Status422UnprocessableEntity, "idempotency-key-reused", "Idempotency key reused",
                "This Idempotency-Key was used for a different request; use a new key for a new request.");
        }

        if (earlier.JobId is null || await records.GetTenantJobAsync(earlier.JobId, tenant, cancellationToken) is not { } job)
        {
            http.Response.Headers.RetryAfter = "1";
            return ProblemTypes.Create(StatusCodes.Status409Conflict, "idempotency-key-in-flight", "Request in progress",
                "The first request with this Idempotency-Key is still being accepted; retry shortly.");
        }

        return await WaitIfPreferredAsync(http, records, job, options, cancellationToken);
    }

    private static async Task<Results<Accepted<JobView>, Ok<JobView>, ProblemHttpResult>> WaitIfPreferredAsync(
        HttpContext http, IJobRecords records, JobRecord job, HyperApiOptions options, CancellationToken cancellationToken)
    {
        if (PreferredWait(http.Request) is { } wait)
        {
            var deadline = DateTime.UtcNow + wait;
            var current = job;
            while (!JobStatus.IsFinished(current.Status) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(25, cancellationToken);
                current = await records.GetAsync(job.Id, cancellationToken) ?? current;
            }

            http.Response.Headers["Preference-Applied"] = $"wait={(int)wait.TotalSeconds}";
            if (JobStatus.IsFinished(current.Status))
            {
                http.Response.Headers.Location = $"/jobs/{current.Id}";
                return TypedResults.Ok(JobView.From(current));
            }

            job = current;
        }

        http.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Accepted($"/jobs/{job.Id}", JobView.From(job));
    }

    /// <summary>Redis unreachable, or a data folder that cannot be written (read-only, full): the service's fault, 503.</summary>
    private static bool IsStorageDown(Exception ex) =>
        ex is StackExchange.Redis.RedisException or TimeoutException or IOException or UnauthorizedAccessException ||
        ex.InnerException is StackExchange.Redis.RedisException or TimeoutException;

    private static async Task ReleaseQuietlyAsync(IIdempotencyKeyStore keys, string tenant, string key, ILogger logger)
    {
        try
        {
            await keys.ReleaseIdempotencyKeyAsync(tenant, key, CancellationToken.None);
        }
        catch (Exception ex) when (IsStorageDown(ex))
        {
            // A claim that cannot be freed now still binds no job; it expires (Redis) or is replaced on the next claim.
            logger.LogWarning("Could not release an idempotency key: {Error}", ex.GetType().Name);
        }
    }

    /// <summary>RFC 7240 <c>Prefer: wait=N</c>, at most 30 seconds; unknown preferences are ignored.</summary>
    private static TimeSpan? PreferredWait(HttpRequest request)
    {
        foreach (var value in request.Headers["Prefer"])
        {
            foreach (var part in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries))
            {
                if (part.StartsWith("wait=", StringComparison.OrdinalIgnoreCase) &&
                    int.TryParse(part.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
                {
                    return TimeSpan.FromSeconds(Math.Min(seconds, MaxPreferWaitSeconds));
                }
            }
        }

        return null;
    }

    internal static string Fingerprint(Submission s)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(s.Archive);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"\n{s.Tier}\n{s.Label}\n{s.CallbackUrl}\n{s.CallbackEvents}"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private sealed record Acceptance(JobRecord? Job, ProblemHttpResult? Problem);

    private static async Task<Acceptance> AcceptAsync(Tenant tenant, Submission submission, IJobRecords records, ISourceStore sourceStore, ITenantBlobs tenantBlobs, IBackgroundJobClient jobs,
        TenantDirectory tenants, HyperApiOptions options, WebhookOptions webhooks, WebhookAddressGuard guard, AcceptedUploads uploads, CancellationToken cancellationToken)
    {
        var limits = options.Limits;
        var tier = CompileTiers.Default;
        if (submission.Tier is { Length: > 0 } tierText && !CompileTiers.TryParse(tierText, out tier))
        {
            return Refuse(StatusCodes.Status400BadRequest, "invalid-tier", "Unknown tier",
                $"'{tierText}' is not a tier; use conservative, balanced, aggressive or insane.");
        }

        if (submission.Label is { Length: > MaxLabelLength })
        {
            return Refuse(StatusCodes.Status400BadRequest, "invalid-label", "Label too long", $"A label has at most {MaxLabelLength} characters.");
        }

        if (submission.CallbackUrl is { Length: > 0 } callback &&
            (!Uri.TryCreate(callback, UriKind.Absolute, out var callbackUri) || callbackUri.Scheme is not ("http" or "https") || callback.Length > 2048))
        {
            return Refuse(StatusCodes.Status400BadRequest, "invalid-callback-url", "Invalid callback URL", "callbackUrl must be an absolute http or https URL of at most 2048 characters.");
        }


        var events = (submission.CallbackEvents ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (events.FirstOrDefault(e => !WebhookEvents.All.Contains(e)) is { } unknownEvent)
        {
            return Refuse(StatusCodes.Status400BadRequest, "invalid-callback-events", "Unknown callback event",
                $"'{unknownEvent}' is not an event; use {string.Join(", ", WebhookEvents.All)}.");
        }

        if (submission.CallbackUrl is { Length: > 0 } &&
            !WebhookSigner.TryDecodeSecret(tenants.IsOpen ? webhooks.SigningSecret : tenants.WebhookSecret(tenant.Name), out _))
        {
            return Refuse(StatusCodes.Status400BadRequest, "webhook-secret-missing", "No webhook signing secret",
                tenants.IsOpen ? "Set Webhooks:SigningSecret (whsec_ + base64 of 24 to 64 bytes) to use callbacks." : $"Set Auth:Tenants:{tenant.Name}:WebhookSecret to use callbacks.");
        }

        if (submission.CallbackUrl is { Length: > 0 } literalCallback && guard.RefuseLiteral(new Uri(literalCallback)) is { } blocked)
        {
            return Refuse(StatusCodes.Status400BadRequest, "callback-address-blocked", "Callback address refused", blocked);
        }

        // An archive this process accepted before is its manifest again: nothing to read, hash, select or store.
        var upload = submission.Files is null ? AcceptedUploads.KeyOf(tenant.Name, submission.Archive) : default;
        ProjectManifest manifest;
        int sourceCount;
        if (submission.Files is null && await uploads.RecallAsync(upload, sourceStore, tenantBlobs, cancellationToken) is { } known)
        {
            (manifest, sourceCount) = (known.Manifest, known.Sources);
        }
        else
        {
            IReadOnlyList<Grump.Hyper.Compiler.Modules.SourceFile> files;
            if (submission.Files is { } declared)
            {
                // A manifest of blobs uploaded before: nothing to read or store, only to check.
                var (described, refused) = await BlobsApi.DeclaredAsync(tenant.Name, declared, limits, sourceStore, tenantBlobs, cancellationToken);
                if (refused is not null)
                {
                    return new Acceptance(null, refused);
                }

                files = described!;
            }
            else
            {
                var read = ArchiveReader.Read(submission.Archive, limits);
                if (!read.IsSuccess)
                {
                    return new Acceptance(null, ProblemTypes.Archive(read.Error!));
                }

                files = read.Files!;

                // Each file is hashed once, where its bytes were made, side by side on the cores: a zip's files come hashed
                // from the cores that inflated them, a tar's are hashed here. The manifest, the store and every later step
                // read the hash (one after another it was a sixth of an upload's accept).
                Parallel.ForEach(files, new ParallelOptions { CancellationToken = cancellationToken }, file => _ = file.Sha256);
            }

            // The project is selected once, here (root, grump.json, globs), and its manifest is what every later step
            // reads; only its inputs are stored, not the archive's other files. They become this tenant's blobs too,
            // so the next upload can send only what changed.
            var project = uploads.Select(tenant.Name, files);
            manifest = ProjectManifest.Of(project);
            sourceCount = project.Sources.Length;
            if (submission.Files is null)
            {
                await sourceStore.PutSourcesAsync(project.Inputs, cancellationToken);
                await tenantBlobs.AddTenantBlobsAsync(tenant.Name, [.. project.Inputs.Select(i => i.Sha256)], cancellationToken);
                uploads.Remember(upload, manifest, sourceCount);
            }
        }

        var job = new JobRecord
        {
            Id = Guid.CreateVersion7().ToString("n"),
            Tenant = tenant.Name,
            Status = JobStatus.Queued,
            Tier = tier.Name(),
            Label = submission.Label is { Length: > 0 } label ? label : null, // an empty field is no label, as for every optional field
            CreatedAt = DateTimeOffset.UtcNow,
            FilesTotal = sourceCount,
            CallbackUrl = submission.CallbackUrl is { Length: > 0 } ? submission.CallbackUrl : null,
            CallbackEvents = [.. events],
        };
        await records.CreateAsync(job, manifest, cancellationToken);
        try
        {
            await CompileEnqueuer.EnqueueAsync(records, jobs, job.Id, CancellationToken.None);
        }
        catch (Exception)
        {
            // A refused submission leaves nothing behind: the record the tenant could already list goes again.
            try
            {
                await records.DeleteAsync(job, CancellationToken.None);
            }
            catch (Exception ex) when (IsStorageDown(ex))
            {
                // Then the watchdog finds a record without work and ends it.
            }

            throw;
        }

        job = job with { Version = 1 };
        return new Acceptance(job, null);

        static Acceptance Refuse(int status, string code, string title, string detail) => new(null, ProblemTypes.Create(status, code, title, detail));
    }

    private static async Task<(Submission?, ProblemHttpResult?)> ReadSubmissionAsync(HttpRequest request, ArchiveLimits limits, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limits.MaxArchiveBytes + MultipartOverhead)
        {
            return (null, TooLarge(limits));
        }

        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancellationToken);
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return (null, TooLarge(limits));
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status408RequestTimeout)
            {
                return (null, TooSlow());
            }
            catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException)
            {
                // The form reader reports its body-length limit as InvalidDataException; anything else is a malformed form.
                return (null, ex is InvalidDataException && request.ContentLength > limits.MaxArchiveBytes ? TooLarge(limits) :
                    ProblemTypes.Create(StatusCodes.Status400BadRequest, "invalid-form", "Malformed form", ex.Message));
            }

            var file = form.Files["archive"];
            if (file is null)
            {
                return (null, ProblemTypes.Create(StatusCodes.Status400BadRequest, "archive-missing", "No archive",
                    "Send the archive as the multipart file field 'archive' (curl -F archive=@project.zip)."));
            }

            if (file.Length > limits.MaxArchiveBytes)
            {
                return (null, TooLarge(limits));
            }

            using var buffer = new MemoryStream((int)file.Length);
            await file.CopyToAsync(buffer, cancellationToken);
            // Sized by the file's length, so the buffer is the archive (no copy) unless the part held other bytes.
            var archive = buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
            return (new Submission(archive, form["tier"], form["label"], form["callbackUrl"], form["callbackEvents"]), null);
        }

        var mediaType = request.ContentType?.Split(';')[0].Trim();
        if (string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            return await ReadManifestAsync(request, limits, cancellationToken);
        }

        if (mediaType is null || !RawArchiveTypes.Contains(mediaType))
        {
            return (null, ProblemTypes.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
                $"Send multipart/form-data with an 'archive' field, the archive itself as application/zip or application/gzip, or a JSON manifest of uploaded blobs as application/json (got '{mediaType ?? "none"}')."));
        }

        byte[]? body;
        try
        {
            body = await ReadBoundedAsync(request, limits.MaxArchiveBytes, cancellationToken);
        }
        catch (BadHttpRequestException ex)
        {
            return (null, ex.StatusCode switch
            {
                StatusCodes.Status408RequestTimeout => TooSlow(),
                StatusCodes.Status413PayloadTooLarge => TooLarge(limits),
                _ => ProblemTypes.Create(StatusCodes.Status400BadRequest, "invalid-body", "Unreadable body", ex.Message),
            });
        }

        if (body is null)
        {
            return (null, TooLarge(limits));
        }

        var query = request.Query;
        return (new Submission(body, query["tier"], query["label"], query["callbackUrl"], query["callbackEvents"]), null);
    }

    /// <summary>A JSON manifest (<see cref="CompileManifestRequest"/>), bounded like an archive; its body is what the fingerprint reads.</summary>
    private static async Task<(Submission?, ProblemHttpResult?)> ReadManifestAsync(HttpRequest request, ArchiveLimits limits, CancellationToken cancellationToken)
    {
        var body = await ReadBoundedAsync(request, limits.MaxArchiveBytes, cancellationToken);
        if (body is null)
        {
            return (null, TooLarge(limits));
        }

        CompileManifestRequest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(body, ApiJson.Default.CompileManifestRequest);
        }
        catch (JsonException ex)
        {
            return (null, ProblemTypes.Create(StatusCodes.Status400BadRequest, "invalid-manifest", "Invalid manifest", ex.Message));
        }

        if (manifest?.Files is null)
        {
            return (null, ProblemTypes.Create(StatusCodes.Status400BadRequest, "invalid-manifest", "Invalid manifest", "Send {\"files\": [{\"path\", \"sha256\", \"size\"}, ...]} with the options beside it."));
        }

        return (new Submission(body, manifest.Tier, manifest.Label, manifest.CallbackUrl, manifest.CallbackEvents, manifest.Files), null);
    }

    /// <summary>Room for multipart boundaries and the small text fields around the archive.</summary>
    internal const long MultipartOverhead = 64 * 1024;

    /// <summary>Kestrel's minimum body data rate was not met (a stalled or deliberately slow upload).</summary>
    private static ProblemHttpResult TooSlow() =>
        ProblemTypes.Create(StatusCodes.Status408RequestTimeout, "request-timeout", "Upload too slow",
            "The request body arrived too slowly and the upload was stopped; nothing was kept. Send it again on a faster connection.");

    private static ProblemHttpResult TooLarge(ArchiveLimits limits) =>
        ProblemTypes.Archive(new ArchiveError(ArchiveErrorKind.TooLarge, $"The archive is over the limit of {limits.MaxArchiveBytes} bytes.", null, limits.MaxArchiveBytes));

    /// <summary>
    /// The most a declared length alone makes a request hold before its bytes arrive; a larger body's buffer grows with
    /// what arrives (a 100,000-file project's tar.gz is about 12 MiB).
    /// </summary>
    private const long MaxPresizedBody = 16L * 1024 * 1024;

    /// <summary>The request's body, or null when it is over <paramref name="max"/> bytes.</summary>
    internal static async Task<byte[]?> ReadBoundedAsync(HttpRequest request, long max, CancellationToken cancellationToken)
    {
        var body = request.Body;
        if (request.ContentLength is { } declared && declared <= Math.Min(max, MaxPresizedBody))
        {
            // A declared length is read into one array of that size: no buffer grown by doubling and copied out again
            // (for a 1.2 MiB upload about 4 MiB less to allocate, on the path of every edit). The server ends the body
            // at its declared length, and refuses a body that ends before it (the caller's BadHttpRequestException).
            var exact = new byte[declared];
            var got = await body.ReadAtLeastAsync(exact, exact.Length, throwOnEndOfStream: false, cancellationToken);
            return got == exact.Length ? exact : exact[..got];
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
