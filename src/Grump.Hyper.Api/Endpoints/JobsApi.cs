using System.IO.Compression;
using System.Text.Json;
using Grump.Hyper.Api.Problems;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Compiler.Emit;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Grump.Hyper.Api.Endpoints;

/// <summary>Following a job: its status, its result, and its artifacts one by one or as a zip.</summary>
public static class JobsApi
{
    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/jobs").WithTags("Jobs");
        jobs.MapGet("/{id}", GetJobAsync).WithName("GetJob")
            .WithSummary("Get a job's status, progress and metrics")
            .WithDescription("Sends an ETag; with If-None-Match it answers 304 while nothing has changed.")
            .Produces<JobView>().Produces(StatusCodes.Status304NotModified).ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapGet("/{id}/result", GetResultAsync).WithName("GetJobResult")
            .WithSummary("Get the manifest, diagnostics and every module of a finished job in one document")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapGet("/{id}/artifacts", ListArtifactsAsync).WithName("ListJobArtifacts")
            .WithSummary("List a finished job's artifacts with their sizes and SHA-256 hashes")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapGet("/{id}/artifacts.zip", GetArtifactsZipAsync).WithName("GetJobArtifactsZip")
            .WithSummary("Download every artifact of a finished job as a zip")
            .Produces<byte[]>(StatusCodes.Status200OK, "application/zip")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapGet("/{id}/artifacts/{*path}", GetArtifactAsync).WithName("GetJobArtifact")
            .WithSummary("Download one artifact of a finished job, such as manifest.json or modules/checkout.json")
            .Produces<byte[]>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Results<Ok<JobView>, StatusCodeHttpResult, ProblemHttpResult>> GetJobAsync(
        string id, HttpContext http, IJobStore store, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync(id, cancellationToken);
        if (job is null)
        {
            return ProblemTypes.JobNotFound(id);
        }

        var etag = $"\"{job.Id}-{job.Version}\"";
        http.Response.Headers.ETag = etag;
        if (http.Request.Headers.IfNoneMatch.Contains(etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        if (!JobStatus.IsFinished(job.Status))
        {
            http.Response.Headers.RetryAfter = "1";
        }

        return TypedResults.Ok(JobView.From(job));
    }

    private static async Task<Results<Ok<JobResult>, ProblemHttpResult>> GetResultAsync(string id, IJobStore store, CancellationToken cancellationToken)
    {
        var (job, problem) = await FinishedJobAsync(id, store, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var index = await store.ListArtifactsAsync(id, cancellationToken) ?? [];
        async Task<JsonElement> Load(string path) =>
            JsonDocument.Parse(await store.GetArtifactAsync(id, path, cancellationToken) ?? "null"u8.ToArray()).RootElement.Clone();

        var modules = new List<JsonElement>();
        foreach (var artifact in index.Where(a => a.Path.StartsWith("modules/", StringComparison.Ordinal)))
        {
            modules.Add(await Load(artifact.Path));
        }

        return TypedResults.Ok(new JobResult(id, job!.Success ?? false, await Load(ArtifactSet.Manifest), await Load(ArtifactSet.Diagnostics), modules));
    }

    private static async Task<Results<Ok<IReadOnlyList<ArtifactInfo>>, ProblemHttpResult>> ListArtifactsAsync(string id, IJobStore store, CancellationToken cancellationToken)
    {
        var (_, problem) = await FinishedJobAsync(id, store, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return TypedResults.Ok(await store.ListArtifactsAsync(id, cancellationToken) ?? []);
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetArtifactAsync(string id, string path, IJobStore store, CancellationToken cancellationToken)
    {
        var (_, problem) = await FinishedJobAsync(id, store, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var content = await store.GetArtifactAsync(id, path, cancellationToken);
        if (content is null)
        {
            return ProblemTypes.ArtifactNotFound(id, path);
        }

        return TypedResults.File(content, path.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "application/octet-stream");
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetArtifactsZipAsync(string id, IJobStore store, CancellationToken cancellationToken)
    {
        var (_, problem) = await FinishedJobAsync(id, store, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var artifact in await store.ListArtifactsAsync(id, cancellationToken) ?? [])
            {
                var content = await store.GetArtifactAsync(id, artifact.Path, cancellationToken);
                // A fixed timestamp keeps the zip of the same artifacts byte-identical.
                var entry = zip.CreateEntry(artifact.Path, CompressionLevel.Optimal);
                entry.LastWriteTime = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
                await using var stream = entry.Open();
                await stream.WriteAsync(content, cancellationToken);
            }
        }

        return TypedResults.File(buffer.ToArray(), "application/zip", $"{id}-artifacts.zip");
    }

    private static async Task<(JobRecord?, ProblemHttpResult?)> FinishedJobAsync(string id, IJobStore store, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync(id, cancellationToken);
        if (job is null)
        {
            return (null, ProblemTypes.JobNotFound(id));
        }

        return job.Status == JobStatus.Succeeded ? (job, null) : (job, ProblemTypes.JobNotFinished(id, job.Status));
    }
}
