using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;

namespace Grump.Hyper.Api.Storage;

/// <summary>
/// Where jobs, their sources (content-addressed by sha256) and their artifacts live, readable by every
/// process that serves or runs jobs: Redis when configured, a local data folder otherwise.
/// </summary>
public interface IJobStore
{
    /// <summary>A short name for readiness and logs ("redis", "filesystem").</summary>
    string Kind { get; }

    Task PutSourcesAsync(IReadOnlyList<SourceFile> files, CancellationToken cancellationToken);

    /// <summary>The inputs' bytes in the order given, each verified against its address once, here.</summary>
    /// <exception cref="InvalidDataException">A stored blob is missing or does not hash to its address.</exception>
    Task<IReadOnlyList<SourceFile>> GetSourcesAsync(IReadOnlyList<ProjectInput> inputs, CancellationToken cancellationToken);

    /// <summary>Stores the job with its project manifest (made once, when the upload was accepted).</summary>
    Task CreateAsync(JobRecord job, ProjectManifest manifest, CancellationToken cancellationToken);

    /// <summary>The job's project manifest (null when the job does not exist).</summary>
    Task<ProjectManifest?> GetManifestAsync(string id, CancellationToken cancellationToken);

    Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Read-modify-write of a job, atomic against other writers (compare-and-set on the stored record, retried):
    /// <paramref name="change"/> sees the latest record and returns the new one, or null to leave it as it is.
    /// Returns the record as stored afterwards (null if the job does not exist).
    /// </summary>
    Task<JobRecord?> UpdateAsync(string id, Func<JobRecord, JobRecord?> change, CancellationToken cancellationToken);

    Task SaveArtifactsAsync(string id, ArtifactSet artifacts, CancellationToken cancellationToken);

    Task DeleteArtifactsAsync(string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<ArtifactInfo>?> ListArtifactsAsync(string id, CancellationToken cancellationToken);

    /// <summary>One artifact of a job by its path (reads the job's index: for many, list once and use <see cref="ReadArtifactAsync"/>).</summary>
    Task<byte[]?> GetArtifactAsync(string id, string path, CancellationToken cancellationToken);

    /// <summary>The bytes of an entry that <see cref="ListArtifactsAsync"/> returned, by its hash.</summary>
    Task<byte[]?> ReadArtifactAsync(ArtifactInfo artifact, CancellationToken cancellationToken);

    /// <summary>A tenant's jobs, newest first, and the cursor of the next page (null at the end).</summary>
    Task<(IReadOnlyList<JobRecord> Jobs, string? NextCursor)> ListAsync(string tenant, JobQuery query, CancellationToken cancellationToken);

    /// <summary>Claims an idempotency key for a request; returns what it was claimed for before, or null if this call claimed it.</summary>
    Task<IdempotencyEntry?> ClaimIdempotencyKeyAsync(string tenant, string key, string fingerprint, CancellationToken cancellationToken);

    Task CompleteIdempotencyKeyAsync(string tenant, string key, string fingerprint, string jobId, CancellationToken cancellationToken);

    /// <summary>Frees a claim whose request was refused, so nothing of it is left behind.</summary>
    Task ReleaseIdempotencyKeyAsync(string tenant, string key, CancellationToken cancellationToken);

    Task SaveDeliveryAsync(DeliveryRecord delivery, CancellationToken cancellationToken);

    Task<DeliveryRecord?> GetDeliveryAsync(string jobId, string deliveryId, CancellationToken cancellationToken);

    Task<IReadOnlyList<DeliveryRecord>> ListDeliveriesAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>
    /// The jobs not yet succeeded, failed or cancelled, any tenant: an index kept beside the records (added
    /// with the record, dropped by the update that finishes it), so the watchdog never scans finished jobs.
    /// </summary>
    IAsyncEnumerable<string> UnfinishedJobIdsAsync(CancellationToken cancellationToken);

    /// <summary>Every job id in the store, any tenant (for the retention sweep).</summary>
    IAsyncEnumerable<string> AllJobIdsAsync(CancellationToken cancellationToken);

    /// <summary>Removes a job with its artifacts and deliveries. Its sources stay: they are shared by content.</summary>
    Task DeleteJobAsync(JobRecord job, CancellationToken cancellationToken);

    /// <summary>
    /// Removes source blobs not uploaded again since <paramref name="unusedSince"/> and not needed by any of
    /// <paramref name="keep"/> (the sources of unfinished jobs); returns how many went. A finished job
    /// needs its artifacts, never its sources.
    /// </summary>
    Task<int> SweepSourcesAsync(DateTimeOffset unusedSince, IReadOnlySet<string> keep, CancellationToken cancellationToken);

    /// <summary>True when the store can be read and written right now.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);
}
