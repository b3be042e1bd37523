using Grump.Hyper.Compiler.Project;

namespace Grump.Hyper.Api.Storage;

/// <summary>
/// Job records with their project manifests, and the two indexes kept beside them (a tenant's jobs, the
/// unfinished ones). Read by every process that serves or runs jobs.
/// </summary>
public interface IJobRecords
{
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

    /// <summary>A tenant's jobs, newest first, and the cursor of the next page (null at the end).</summary>
    Task<(IReadOnlyList<JobRecord> Jobs, string? NextCursor)> ListAsync(string tenant, JobQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// The jobs not yet succeeded, failed or cancelled, any tenant: an index kept beside the records (added
    /// with the record, dropped by the update that finishes it), so the watchdog never scans finished jobs.
    /// </summary>
    IAsyncEnumerable<string> UnfinishedJobIdsAsync(CancellationToken cancellationToken);

    /// <summary>Every job id in the store, any tenant (for the retention sweep).</summary>
    IAsyncEnumerable<string> AllJobIdsAsync(CancellationToken cancellationToken);

    /// <summary>Removes the record, its manifest reference and its index entries (its artifacts and deliveries are their stores' to delete).</summary>
    Task DeleteAsync(JobRecord job, CancellationToken cancellationToken);
}

/// <summary>Lookups every tenant-scoped endpoint shares.</summary>
public static class JobRecordsExtensions
{
    /// <summary>The job if it exists and belongs to <paramref name="tenant"/>; another tenant's job is as absent as a missing one.</summary>
    public static async Task<JobRecord?> GetTenantJobAsync(this IJobRecords records, string id, Auth.Tenant tenant, CancellationToken cancellationToken) =>
        await records.GetAsync(id, cancellationToken) is { } job && job.Tenant == tenant.Name ? job : null;
}
