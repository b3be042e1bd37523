namespace Grump.Hyper.Api.Storage;

/// <summary>Idempotency keys per tenant: claimed by one request, then bound to the job it accepted.</summary>
public interface IIdempotencyKeyStore
{
    /// <summary>Claims an idempotency key for a request; returns what it was claimed for before, or null if this call claimed it.</summary>
    Task<IdempotencyEntry?> ClaimIdempotencyKeyAsync(string tenant, string key, string fingerprint, CancellationToken cancellationToken);

    Task CompleteIdempotencyKeyAsync(string tenant, string key, string fingerprint, string jobId, CancellationToken cancellationToken);

    /// <summary>Frees a claim whose request was refused, so nothing of it is left behind.</summary>
    Task ReleaseIdempotencyKeyAsync(string tenant, string key, CancellationToken cancellationToken);
}
