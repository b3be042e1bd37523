using System.IO.Compression;
using System.Text.Json;
using Grump.Hyper.Api.Auth;
using Grump.Hyper.Api.Configuration;
using Grump.Hyper.Api.Problems;
using Grump.Hyper.Api.Webhooks;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Compiler.Emit;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Grump.Hyper.Api.Endpoints;

/// <summary>Following a job: its status, its result, and its artifacts one by one or as a zip.</summary>
public static class JobsApi
{
    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapTenantGroup("/jobs", "Jobs");
        jobs.MapGet("/", ListJobsAsync).WithName("ListJobs")
            .WithSummary("List the tenant's jobs, newest first")
            .WithDescription("Filter by `status` and `label`; page with `limit` (1 to 100, default 20) and the `nextCursor` of the previous page.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        jobs.MapDelete("/{id}", CancelJobAsync).WithName("CancelJob")
            .WithSummary("Cancel a queued or running job")
            .WithDescription("Answers 202 with the cancelled job; a finished job cannot be cancelled (409).")
            .Produces<JobView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapGet("/{id}/deliveries", ListDeliveriesAsync).WithName("ListJobDeliveries")
            .WithSummary("List the job's webhook deliveries with every attempt")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapPost("/{id}/deliveries/{deliveryId}/redeliver", RedeliverAsync).WithName("RedeliverWebhook")
            .WithSummary("Send a webhook delivery again (same webhook-id)")
            .Produces<DeliveryRecord>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapGet("/{id}", GetJobAsync).WithName("GetJob")
            .WithSummary("Get a job's status, progress and metrics")
            .WithDescription("Sends an ETag; with If-None-Match it answers 304 while nothing has changed. A browser (Accept: text/html before application/json) gets a page for people: status, diagnostics at their locations, modules, chunks, a stage timeline, following the job live while it runs.")
            .Produces<JobView>().Produces(StatusCodes.Status304NotModified).ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapGet("/{id}/result", GetResultAsync).WithName("GetJobResult").Produces<JobResult>(StatusCodes.Status200OK)
            .WithSummary("Get the manifest, diagnostics and every module of a finished job in one document")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapGet("/{id}/artifacts", ListArtifactsAsync).WithName("ListJobArtifacts")
            .WithSummary("List a finished job's artifacts with their sizes and SHA-256 hashes")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapGet("/{id}/artifacts.zip", GetArtifactsZipAsync).WithName("GetJobArtifactsZip")
            .WithSummary("Download every artifact of a finished job as a zip")
            .Produces<Stream>(StatusCodes.Status200OK, "application/zip")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapGet("/{id}/artifacts/{*path}", GetArtifactAsync).WithName("GetJobArtifact")
            .WithSummary("Download one artifact of a finished job, such as manifest.json or modules/checkout.json")
            .Produces<Stream>(StatusCodes.Status200OK, "application/json", "application/octet-stream")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>
    /// RFC 9110 If-None-Match: true when the header is <c>*</c> or lists the tag under weak comparison
    /// (<c>W/"x"</c> matches <c>"x"</c>), in one header value or several, comma-separated.
    /// </summary>
    internal static bool NoneMatch(HttpRequest request, string etag)
    {
        var header = request.GetTypedHeaders().IfNoneMatch;
        var current = new Microsoft.Net.Http.Headers.EntityTagHeaderValue(etag);
        return header.Any(tag => tag.Equals(Microsoft.Net.Http.Headers.EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false));
    }

    public sealed record JobPage(IReadOnlyList<JobView> Items, string? NextCursor);

    private static async Task<Results<Ok<JobPage>, ProblemHttpResult>> ListJobsAsync(Tenant tenant, IJobRecords records, string? status, string? label,
        int? limit, string? cursor, CancellationToken cancellationToken)
    {
        if (status is not null && status is not (JobStatus.Queued or JobStatus.Running or JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled))
        {
            return ProblemTypes.Create(StatusCodes.Status400BadRequest, "invalid-status", "Unknown status", $"'{status}' is not a status; use queued, running, succeeded, failed or cancelled.");
        }

        if (limit is < 1 or > 100 || (cursor is not null && !(cursor.Length == 32 && cursor.All(char.IsAsciiHexDigitLower))))
        {
            return ProblemTypes.Create(StatusCodes.Status400BadRequest, "invalid-page", "Invalid page", "limit is 1 to 100, and cursor is the nextCursor of a previous page.");
        }

        var (jobs, next) = await records.ListAsync(tenant.Name, new JobQuery(status, label, limit ?? 20, cursor), cancellationToken);
        return TypedResults.Ok(new JobPage([.. jobs.Select(JobView.From)], next));
    }

    private static async Task<Results<Accepted<JobView>, ProblemHttpResult>> CancelJobAsync(string id, Tenant tenant, IJobRecords records, WebhookDispatcher webhooks,
        Jobs.JobCancellation cancellation, Distribution.FanOut fanOut, Observability.ApiMetrics metrics, CancellationToken cancellationToken)
    {
        var job = await records.GetTenantJobAsync(id, tenant, cancellationToken);
        if (job is null)
        {
            return ProblemTypes.JobNotFound(id);
        }

        if (JobStatus.IsFinished(job.Status))
        {
            return ProblemTypes.Create(StatusCodes.Status409Conflict, "job-finished", "Job already finished", $"Job '{id}' is {job.Status}; only queued or running jobs can be cancelled.");
        }

        // Running work hears the announcement and stops at its next file (or sees the status at its next
        // progress poll); shards still queued are deleted from Hangfire.
        var cancelled = false;
        job = await records.UpdateAsync(id, current =>
        {
            cancelled = !JobStatus.IsFinished(current.Status);
            return cancelled ? current with { Status = JobStatus.Cancelled, Stage = "cancelled", FinishedAt = DateTimeOffset.UtcNow } : null;
        }, cancellationToken);
        if (!cancelled)
        {
            return ProblemTypes.Create(StatusCodes.Status409Conflict, "job-finished", "Job already finished", $"Job '{id}' is {job!.Status}; only queued or running jobs can be cancelled.");
        }

        await cancellation.AnnounceAsync(id);
        await fanOut.AbandonAsync(id);
        metrics.Finished(JobStatus.Cancelled);
        await webhooks.DispatchAsync(job!, WebhookEvents.Cancelled, cancellationToken);
        return TypedResults.Accepted($"/jobs/{id}", JobView.From(job!));
    }

    private static async Task<Results<Ok<IReadOnlyList<DeliveryRecord>>, ProblemHttpResult>> ListDeliveriesAsync(string id, Tenant tenant, IJobRecords records, IDeliveryStore deliveries, CancellationToken cancellationToken)
    {
        var job = await records.GetTenantJobAsync(id, tenant, cancellationToken);
        return job is null ? ProblemTypes.JobNotFound(id) : TypedResults.Ok(await deliveries.ListDeliveriesAsync(id, cancellationToken));
    }

    private static async Task<Results<Accepted<DeliveryRecord>, ProblemHttpResult>> RedeliverAsync(string id, string deliveryId, Tenant tenant, IJobRecords records, IDeliveryStore deliveries,
        Hangfire.IBackgroundJobClient jobs, CancellationToken cancellationToken)
    {
        var job = await records.GetTenantJobAsync(id, tenant, cancellationToken);
        var delivery = job is null ? null : await deliveries.GetDeliveryAsync(id, deliveryId, cancellationToken);
        if (delivery is null)
        {
            return ProblemTypes.Create(StatusCodes.Status404NotFound, "delivery-not-found", "Delivery not found", $"Job '{id}' has no delivery '{deliveryId}'.");
        }

        delivery = delivery with { Status = "pending" };
        await deliveries.SaveDeliveryAsync(delivery, cancellationToken);
        Hangfire.BackgroundJobClientExtensions.Enqueue<WebhookJob>(jobs, WebhookDispatcher.Queue, w => w.RunAsync(id, deliveryId, 0, CancellationToken.None));
        return TypedResults.Accepted($"/jobs/{id}/deliveries", delivery);
    }

    private static async Task<IResult> GetJobAsync(
        string id, Tenant tenant, HttpContext http, IJobRecords records, IArtifactStore artifactStore, CancellationToken cancellationToken)
    {
        var job = await records.GetTenantJobAsync(id, tenant, cancellationToken);
        if (job is null)
        {
            return ProblemTypes.JobNotFound(id);
        }

        if (JobHtmlPage.Wanted(http.Request))
        {
            return await JobHtmlPage.RenderAsync(job, artifactStore, http, cancellationToken);
        }

        var etag = $"\"{job.Id}-{job.Version}\"";
        http.Response.Headers.ETag = etag;
        if (NoneMatch(http.Request, etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        if (!JobStatus.IsFinished(job.Status))
        {
            http.Response.Headers.RetryAfter = "1";
        }

        return TypedResults.Ok(JobView.From(job));
    }

    /// <summary>
    /// The result document is laid out from the stored artifacts' own bytes (manifest, plan, diagnostics,
    /// every module), streamed as they are read: nothing is parsed or serialised again on the way out.
    /// The shape is <see cref="JobResult"/>'s (the OpenAPI document describes it from that type).
    /// </summary>
    private static async Task<IResult> GetResultAsync(string id, Tenant tenant, IJobRecords records, IArtifactStore artifactStore, HttpContext http, CancellationToken cancellationToken)
    {
        var (job, problem) = await FinishedJobAsync(id, tenant, records, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        // The index is read once; each artifact is then read by the hash it lists.
        var index = (await artifactStore.ListArtifactsAsync(id, cancellationToken) ?? []).ToDictionary(a => a.Path, StringComparer.Ordinal);
        async Task<byte[]> Load(string path) =>
            (index.TryGetValue(path, out var entry) ? await artifactStore.ReadArtifactAsync(entry, cancellationToken) : null) ?? "null"u8.ToArray();

        var body = http.Response.BodyWriter;
        http.Response.ContentType = "application/json; charset=utf-8";
        await body.WriteAsync(System.Text.Encoding.UTF8.GetBytes($"{{\"id\":\"{job!.Id}\",\"success\":{((job.Success ?? false) ? "true" : "false")},\"manifest\":"), cancellationToken);
        await body.WriteAsync(await Load(ArtifactSet.Manifest), cancellationToken);
        await body.WriteAsync(",\"plan\":"u8.ToArray(), cancellationToken);
        await body.WriteAsync(await Load(ArtifactSet.Plan), cancellationToken);
        await body.WriteAsync(",\"diagnostics\":"u8.ToArray(), cancellationToken);
        await body.WriteAsync(await Load(ArtifactSet.Diagnostics), cancellationToken);
        await body.WriteAsync(",\"modules\":["u8.ToArray(), cancellationToken);
        var first = true;
        foreach (var path in index.Keys.Where(p => p.StartsWith("modules/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            if (!first)
            {
                await body.WriteAsync(","u8.ToArray(), cancellationToken);
            }

            await body.WriteAsync(await Load(path), cancellationToken);
            first = false;
        }

        await body.WriteAsync("]}"u8.ToArray(), cancellationToken);
        return Results.Empty;
    }

    private static async Task<Results<Ok<IReadOnlyList<ArtifactInfo>>, ProblemHttpResult>> ListArtifactsAsync(string id, Tenant tenant, IJobRecords records, IArtifactStore artifactStore, CancellationToken cancellationToken)
    {
        var (_, problem) = await FinishedJobAsync(id, tenant, records, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return TypedResults.Ok(await artifactStore.ListArtifactsAsync(id, cancellationToken) ?? []);
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetArtifactAsync(string id, string path, Tenant tenant, IJobRecords records, IArtifactStore artifactStore, CancellationToken cancellationToken)
    {
        var (_, problem) = await FinishedJobAsync(id, tenant, records, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        // Generated clients escape the '/' inside the path; routing leaves %2F as it is.
        path = Uri.UnescapeDataString(path);
        var content = await artifactStore.GetArtifactAsync(id, path, cancellationToken);
        if (content is null)
        {
            return ProblemTypes.ArtifactNotFound(id, path);
        }

        return TypedResults.File(content, path.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "application/octet-stream");
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetArtifactsZipAsync(string id, Tenant tenant, IJobRecords records, IArtifactStore artifactStore, CancellationToken cancellationToken)
    {
        var (_, problem) = await FinishedJobAsync(id, tenant, records, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var artifact in await artifactStore.ListArtifactsAsync(id, cancellationToken) ?? [])
            {
                var content = await artifactStore.ReadArtifactAsync(artifact, cancellationToken);
                // A fixed timestamp keeps the zip of the same artifacts byte-identical.
                var entry = zip.CreateEntry(artifact.Path, CompressionLevel.Optimal);
                entry.LastWriteTime = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
                await using var stream = entry.Open();
                await stream.WriteAsync(content, cancellationToken);
            }
        }

        return TypedResults.File(buffer.ToArray(), "application/zip", $"{id}-artifacts.zip");
    }

    private static async Task<(JobRecord?, ProblemHttpResult?)> FinishedJobAsync(string id, Tenant tenant, IJobRecords records, CancellationToken cancellationToken)
    {
        var job = await records.GetTenantJobAsync(id, tenant, cancellationToken);
        if (job is null)
        {
            return (null, ProblemTypes.JobNotFound(id));
        }

        return job.Status == JobStatus.Succeeded ? (job, null) : (job, ProblemTypes.JobNotFinished(id, job.Status));
    }
}
