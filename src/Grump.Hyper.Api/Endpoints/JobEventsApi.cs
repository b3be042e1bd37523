using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using Grump.Hyper.Api.Auth;
using Grump.Hyper.Api.Configuration;
using Grump.Hyper.Api.Problems;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Api.Webhooks;

namespace Grump.Hyper.Api.Endpoints;

/// <summary>
/// A job followed live, without polling: <c>GET /jobs/{id}/events</c> streams Server-Sent Events with the
/// webhooks' event types (<c>job.started</c>, then <c>job.succeeded</c>, <c>job.failed</c> or <c>job.cancelled</c>)
/// and <c>job.progress</c> between them, each carrying the job as <c>GET /jobs/{id}</c> shows it; and
/// <c>GET /jobs/{id}/log</c>, the job's story as plain text: when it was queued, started and ended, each
/// stage with its time, the cache figures and the notes.
/// </summary>
public static class JobEventsApi
{
    /// <summary>
    /// Event ids are fixed by kind, so <c>Last-Event-ID</c> resumes without a log of events: 1 started,
    /// 2 progress (a snapshot: sent again after a resume from 2), 3 the end, after which the stream closes.
    /// </summary>
    public const int StartedId = 1, ProgressId = 2, EndId = 3;

    public const string Progress = "job.progress";

    /// <summary>How long one stream lasts at most; a client goes on with Last-Event-ID.</summary>
    public static readonly TimeSpan MaxStream = TimeSpan.FromMinutes(30);

    public static IEndpointRouteBuilder MapJobEventsApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapTenantGroup("/jobs", "Jobs");
        jobs.MapGet("/{id}/events", StreamAsync).WithName("StreamJobEvents")
            .WithSummary("Follow a job live as Server-Sent Events")
            .WithDescription("Events job.started, job.progress, then job.succeeded, job.failed or job.cancelled (the webhooks' types), each with the job as GET /jobs/{id} shows it. Ids: 1 started, 2 progress, 3 the end; send Last-Event-ID to resume. The stream closes after the end.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapGet("/{id}/log", LogAsync).WithName("GetJobLog")
            .WithSummary("The job's stages, timings, cache figures and notes as plain text")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> StreamAsync(string id, Tenant tenant, HttpRequest request, IJobRecords records, CancellationToken cancellationToken)
    {
        var job = await records.GetTenantJobAsync(id, tenant, cancellationToken);
        if (job is null)
        {
            return ProblemTypes.JobNotFound(id);
        }

        var after = int.TryParse(request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var last) ? last : 0;
        return TypedResults.ServerSentEvents(Events(job, after, records, cancellationToken));
    }

    private static async IAsyncEnumerable<SseItem<JobView>> Events(JobRecord job, int after, IJobRecords records, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var until = DateTimeOffset.UtcNow + MaxStream;
        var shownVersion = -1L;
        while (after < EndId && DateTimeOffset.UtcNow < until)
        {
            if (after < StartedId && (job.StartedAt is not null || JobStatus.IsFinished(job.Status)))
            {
                after = StartedId;
                yield return Item(WebhookEvents.Started, StartedId, job);
            }

            if (JobStatus.IsFinished(job.Status))
            {
                yield return Item(WebhookEvents.ForStatus(job.Status), EndId, job);
                yield break;
            }

            if (job.Version != shownVersion && job.Status == JobStatus.Running)
            {
                shownVersion = job.Version;
                yield return Item(Progress, ProgressId, job);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            job = await records.GetAsync(job.Id, cancellationToken) ?? job with { Status = JobStatus.Cancelled }; // deleted by retention: over
        }
    }

    private static SseItem<JobView> Item(string type, int id, JobRecord job) =>
        new(JobView.From(job), type) { EventId = id.ToString(CultureInfo.InvariantCulture) };

    private static async Task<IResult> LogAsync(string id, Tenant tenant, IJobRecords records, CancellationToken cancellationToken)
    {
        var job = await records.GetTenantJobAsync(id, tenant, cancellationToken);
        if (job is null)
        {
            return ProblemTypes.JobNotFound(id);
        }

        return TypedResults.Text(Log(job), "text/plain", Encoding.UTF8);
    }

    /// <summary>The log's text: one line an event, in order, with times in UTC.</summary>
    internal static string Log(JobRecord job)
    {
        var log = new StringBuilder();
        void Line(DateTimeOffset? at, string text) =>
            log.Append(CultureInfo.InvariantCulture, $"{(at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : "                        ")} {text}\n");

        Line(job.CreatedAt, $"queued: tier {job.Tier}{(job.Label is { } label ? $", label {label}" : string.Empty)}, {job.FilesTotal} files");
        if (job.StartedAt is { } started)
        {
            Line(started, "started");
        }

        if (job.Metrics is { } metrics)
        {
            foreach (var stage in metrics.Stages)
            {
                Line(null, $"stage {stage.Name,-12} {stage.Milliseconds,10:0.0} ms  {stage.Items} items");
            }

            var cache = metrics.Cache;
            Line(null, $"cache: {cache.Hits} hits, {cache.Misses} misses, {cache.L2Hits} from the shared cache ({cache.Level2})");
            foreach (var step in metrics.Steps)
            {
                Line(null, $"step {step.Stage,-10} {step.Unit}s: {step.New} new, {step.Modified} modified, {step.Unchanged} unchanged, {step.Cached} cached, {step.Removed} removed");
            }
        }

        if (!JobStatus.IsFinished(job.Status))
        {
            Line(null, $"{job.Status}: {job.Stage}, {job.FilesDone} of {job.FilesTotal} files");
        }
        else
        {
            var outcome = job.Status == JobStatus.Succeeded ? $"succeeded: {job.Errors} errors, {job.Warnings} warnings" : job.Status + (job.FailureReason is { } why ? ": " + why : string.Empty);
            Line(job.FinishedAt, outcome + (job.Recoveries > 0 ? $" (re-queued {job.Recoveries} times after a process died)" : string.Empty));
        }

        return log.ToString();
    }
}
