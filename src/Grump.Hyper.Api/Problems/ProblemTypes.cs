using Grump.Hyper.Engine.Archives;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Grump.Hyper.Api.Problems;

/// <summary>
/// Every problem the API answers with. The type is a stable URN a client can switch on; the code extension
/// repeats its last part for clients that prefer a short string.
/// </summary>
public static class ProblemTypes
{
    public const string Prefix = "urn:grump-hyper:problem:";

    public static ProblemHttpResult Create(int status, string code, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        var ext = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>()) { ["code"] = code };
        return TypedResults.Problem(detail: detail, statusCode: status, title: title, type: Prefix + code, extensions: ext);
    }

    /// <summary>
    /// A problem the framework wrote (an unknown route, a method or media type an endpoint does not take, an
    /// unhandled error) gets the same contract as the API's own: a URN type and its code, named after the status.
    /// </summary>
    public static void Stamp(Microsoft.AspNetCore.Mvc.ProblemDetails problem)
    {
        if (problem.Type?.StartsWith(Prefix, StringComparison.Ordinal) == true || problem.Status is not { } status)
        {
            return;
        }

        var code = status switch
        {
            StatusCodes.Status400BadRequest => "bad-request",
            StatusCodes.Status404NotFound => "not-found",
            StatusCodes.Status405MethodNotAllowed => "method-not-allowed",
            StatusCodes.Status406NotAcceptable => "not-acceptable",
            StatusCodes.Status413PayloadTooLarge => "request-too-large",
            StatusCodes.Status415UnsupportedMediaType => "unsupported-media-type",
            StatusCodes.Status500InternalServerError => "internal-error",
            _ => "http-" + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        problem.Type = Prefix + code;
        problem.Extensions["code"] = code;
    }

    public static ProblemHttpResult JobNotFound(string id) =>
        Create(StatusCodes.Status404NotFound, "job-not-found", "Job not found", $"There is no job '{id}'.");

    /// <summary>
    /// The job's status travels as <c>jobStatus</c>: an extension named <c>status</c> would be a second
    /// <c>status</c> member beside RFC 9457's own, which strict JSON readers (NSwag's, Kiota's) refuse.
    /// </summary>
    public static ProblemHttpResult JobNotFinished(string id, string status) =>
        Create(StatusCodes.Status409Conflict, "job-not-finished", "Job not finished", $"Job '{id}' is {status}; poll /jobs/{id} until it has finished.", new Dictionary<string, object?> { ["jobStatus"] = status });

    public static ProblemHttpResult ArtifactNotFound(string id, string path) =>
        Create(StatusCodes.Status404NotFound, "artifact-not-found", "Artifact not found", $"Job '{id}' has no artifact '{path}'; GET /jobs/{id}/artifacts lists them.");

    public static ProblemHttpResult Archive(ArchiveError error)
    {
        var status = error.Kind switch
        {
            ArchiveErrorKind.TooLarge or ArchiveErrorKind.TooManyEntries or ArchiveErrorKind.EntryTooLarge or
                ArchiveErrorKind.TotalTooLarge or ArchiveErrorKind.CompressionRatio or ArchiveErrorKind.MetadataTooLarge => StatusCodes.Status413PayloadTooLarge,
            ArchiveErrorKind.UnsupportedFormat => StatusCodes.Status415UnsupportedMediaType,
            ArchiveErrorKind.Malformed => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status422UnprocessableEntity,
        };
        var extensions = new Dictionary<string, object?>();
        if (error.Entry is not null)
        {
            extensions["entry"] = error.Entry;
        }

        if (error.Limit is not null)
        {
            extensions["limit"] = error.Limit;
        }

        return Create(status, error.Code, "Archive refused", error.Detail, extensions);
    }
}
