using System.Collections.Immutable;
using Grump.Hyper.Engine.Pipeline;

namespace Grump.Hyper.Api.Storage;

public static class JobStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsFinished(string status) => status is Succeeded or Failed or Cancelled;
}

/// <summary>An artifact of a finished job.</summary>
public sealed record ArtifactInfo(string Path, long Bytes, string Sha256);

/// <summary>
/// A job's artifacts in a content-addressed store: the hash of its index of deterministic artifacts
/// (shared by every build of the same inputs), metrics.json, which differs per build, and, where a stored
/// recipe names values that are no artifact of their own (a document's blocks), the hash of their list,
/// so a sweep of unnamed values keeps them as long as the job.
/// </summary>
public sealed record ArtifactReference(string Index, ArtifactInfo? Metrics, string? Parts = null)
{
    /// <summary>The values that the artifacts' recipes name and that are not artifacts themselves, in ordinal order.</summary>
    public static string[] RecipeParts(Grump.Hyper.Compiler.Emit.ArtifactSet artifacts)
    {
        // A chunk's parts are modules of the same build, the very values the set holds: found by reference first,
        // so only a part that is no artifact value (a document's block) is looked for by hash.
        var values = new HashSet<Grump.Hyper.Compiler.Emit.ArtifactContent>(artifacts.Count, ReferenceEqualityComparer.Instance);
        foreach (var (_, content) in artifacts)
        {
            values.Add(content);
        }

        HashSet<string>? artifactHashes = null;
        var parts = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (_, content) in artifacts)
        {
            foreach (var source in content.PartSources)
            {
                if (source is null || values.Contains(source))
                {
                    continue;
                }

                artifactHashes ??= [.. values.Select(v => v.Sha256)];
                if (!artifactHashes.Contains(source.Sha256))
                {
                    parts.Add(source.Sha256);
                }
            }
        }

        return [.. parts];
    }

    /// <summary>Every artifact of the job in ordinal path order, as the index and metrics.json together.</summary>
    public IReadOnlyList<ArtifactInfo> Listing(ImmutableArray<ArtifactInfo> index) =>
        Metrics is { } metrics ? [.. index.Append(metrics).OrderBy(a => a.Path, StringComparer.Ordinal)] : index;
}

/// <summary>
/// Everything stored about a job but its project manifest: that is stored beside it (see <see cref="IJobRecords.GetManifestAsync"/>),
/// as a big job's list of files would otherwise be read and written with every status poll and progress update.
/// The sources themselves live in the content-addressed store, by hash.
/// </summary>
public sealed record JobRecord
{
    public required string Id { get; init; }
    public string Tenant { get; init; } = Auth.TenantDirectory.OpenTenant;
    public required string Status { get; init; }
    public required string Tier { get; init; }
    public string? Label { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public int FilesTotal { get; init; }
    public int FilesDone { get; init; }
    public string Stage { get; init; } = "queued";
    public bool? Success { get; init; }
    public int Errors { get; init; }
    public int Warnings { get; init; }
    public CompileMetrics? Metrics { get; init; }
    public string? FailureReason { get; init; }
    public string? CallbackUrl { get; init; }
    public ImmutableArray<string> CallbackEvents { get; init; } = [];
    /// <summary>The Hangfire job that runs this one now; the watchdog compares the two (see <c>JobWatchdog</c>).</summary>
    public string? HangfireJobId { get; init; }

    /// <summary>How often the watchdog re-queued this job after its work was lost (a process died); bounded.</summary>
    public int Recoveries { get; init; }

    /// <summary>Changes whenever anything a client can see changes; the ETag of the status.</summary>
    public long Version { get; init; }
}

/// <summary>A filter and page of <c>GET /jobs</c>: newest first, continuing below <see cref="Cursor"/>.</summary>
public sealed record JobQuery(string? Status, string? Label, int Limit, string? Cursor);

/// <summary>What an <c>Idempotency-Key</c> was first used for: a request fingerprint and, once accepted, the job.</summary>
public sealed record IdempotencyEntry(string Fingerprint, string? JobId);

/// <summary>One attempt to deliver a webhook.</summary>
public sealed record DeliveryAttempt(int Number, DateTimeOffset At, int? StatusCode, string? Error, double Milliseconds);

/// <summary>A webhook event for a job and every attempt to deliver it.</summary>
public sealed record DeliveryRecord
{
    public required string Id { get; init; }
    public required string JobId { get; init; }
    public required string Event { get; init; }
    public required string Url { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public string Status { get; init; } = "pending";
    public ImmutableArray<DeliveryAttempt> Attempts { get; init; } = [];
}
