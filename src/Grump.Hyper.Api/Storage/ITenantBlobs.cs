namespace Grump.Hyper.Api.Storage;

/// <summary>
/// Which source blobs each tenant has uploaded: the scope of <c>POST /blobs/missing</c>. Blobs are stored once
/// for everybody (by their hash), but a tenant is only ever told it has a blob it uploaded itself, so no
/// tenant can learn whether another one holds some content.
/// </summary>
public interface ITenantBlobs
{
    Task AddTenantBlobsAsync(string tenant, IReadOnlyList<string> digests, CancellationToken cancellationToken);

    /// <summary>The digests of <paramref name="digests"/> the tenant has uploaded (whether the store still holds them is the source store's to say).</summary>
    Task<IReadOnlySet<string>> TenantBlobsAsync(string tenant, IReadOnlyList<string> digests, CancellationToken cancellationToken);
}
