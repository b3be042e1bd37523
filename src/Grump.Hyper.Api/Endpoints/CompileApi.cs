using System.Collections.Immutable;
using Grump.Hyper.Api.Configuration;
using Grump.Hyper.Api.Jobs;
using Grump.Hyper.Api.Problems;
using Grump.Hyper.Api.Storage;
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
            .WithName("SubmitCompile")
            .WithTags("Compile")
            .WithSummary("Submit an archive of .intent files for compilation")
            .WithDescription("Send a zip or tar.gz as the multipart field `archive` (with optional fields `tier`, `label`, `callbackUrl`, `callbackEvents`), or as the raw body with those options as query parameters. The format is detected from the bytes. Answers 202 with the queued job; poll its `Location`.")
            .Produces<JobView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .DisableAntiforgery();
        return app;
    }

    private sealed record Submission(byte[] Archive, string? Tier, string? Label, string? CallbackUrl, string? CallbackEvents);

    private static async Task<Results<Accepted<JobView>, ProblemHttpResult>> CompileAsync(
        HttpContext http, IJobStore store, IBackgroundJobClient jobs, IOptions<HyperApiOptions> options, CancellationToken cancellationToken)
    {
        var limits = options.Value.Limits;
        var (submission, problem) = await ReadSubmissionAsync(http.Request, limits, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var tier = CompileTiers.Default;
        if (submission!.Tier is { Length: > 0 } tierText && !CompileTiers.TryParse(tierText, out tier))
        {
            return ProblemTypes.Create(StatusCodes.Status400BadRequest, "invalid-tier", "Unknown tier",
                $"'{tierText}' is not a tier; use conservative, balanced, aggressive or insane.");
        }

        if (submission.Label is { Length: > MaxLabelLength })
        {
            return ProblemTypes.Create(StatusCodes.Status400BadRequest, "invalid-label", "Label too long", $"A label has at most {MaxLabelLength} characters.");
        }

        if (submission.CallbackUrl is { Length: > 0 } callback &&
            (!Uri.TryCreate(callback, UriKind.Absolute, out var callbackUri) || callbackUri.Scheme is not ("http" or "https")))
        {
            return ProblemTypes.Create(StatusCodes.Status400BadRequest, "invalid-callback-url", "Invalid callback URL", "callbackUrl must be an absolute http or https URL.");
        }

        var read = ArchiveReader.Read(submission.Archive, limits);
        if (!read.IsSuccess)
        {
            return ProblemTypes.Archive(read.Error!);
        }

        var files = read.Files!;
        await store.PutSourcesAsync(files, cancellationToken);
        var job = new JobRecord
        {
            Id = Guid.CreateVersion7().ToString("n"),
            Status = JobStatus.Queued,
            Tier = tier.Name(),
            Label = submission.Label,
            CreatedAt = DateTimeOffset.UtcNow,
            FilesTotal = Grump.Hyper.Compiler.Project.ProjectLoader.Select(files).Sources.Length,
            CallbackUrl = submission.CallbackUrl is { Length: > 0 } ? submission.CallbackUrl : null,
            CallbackEvents = [.. (submission.CallbackEvents ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
            Inputs = [.. files.Select(f => new InputRef(f.Path, f.Sha256, f.Content.Length))],
        };
        await store.CreateAsync(job, cancellationToken);
        jobs.Enqueue<CompileJob>(CompileJob.Queue, j => j.RunAsync(job.Id, CancellationToken.None));

        http.Response.Headers.RetryAfter = options.Value.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Accepted($"/jobs/{job.Id}", JobView.From(job with { Version = 1 }));
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
            catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException)
            {
                return (null, ex.Message.Contains("limit", StringComparison.OrdinalIgnoreCase) ? TooLarge(limits) :
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
            return (new Submission(buffer.ToArray(), form["tier"], form["label"], form["callbackUrl"], form["callbackEvents"]), null);
        }

        var mediaType = request.ContentType?.Split(';')[0].Trim();
        if (mediaType is null || !RawArchiveTypes.Contains(mediaType))
        {
            return (null, ProblemTypes.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
                $"Send multipart/form-data with an 'archive' field, or the archive itself as application/zip or application/gzip (got '{mediaType ?? "none"}')."));
        }

        var body = await ReadBoundedAsync(request.Body, limits.MaxArchiveBytes, cancellationToken);
        if (body is null)
        {
            return (null, TooLarge(limits));
        }

        var query = request.Query;
        return (new Submission(body, query["tier"], query["label"], query["callbackUrl"], query["callbackEvents"]), null);
    }

    /// <summary>Room for multipart boundaries and the small text fields around the archive.</summary>
    internal const long MultipartOverhead = 64 * 1024;

    private static ProblemHttpResult TooLarge(ArchiveLimits limits) =>
        ProblemTypes.Archive(new ArchiveError(ArchiveErrorKind.TooLarge, $"The archive is over the limit of {limits.MaxArchiveBytes} bytes.", null, limits.MaxArchiveBytes));

    private static async Task<byte[]?> ReadBoundedAsync(Stream body, long max, CancellationToken cancellationToken)
    {
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
