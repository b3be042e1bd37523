using Grump.Hyper.Compiler.Emit;

namespace Grump.Hyper.Api.Storage;

/// <summary>
/// A job's artifacts: content-addressed values (each stored once per hash) named by the job's index of
/// them, and metrics.json beside the index (the one artifact that differs between builds of the same inputs).
/// </summary>
public interface IArtifactStore
{
    Task SaveArtifactsAsync(string id, ArtifactSet artifacts, CancellationToken cancellationToken);

    /// <summary>Forgets the job's index; values other jobs name stay (the sweep or their expiry removes the rest).</summary>
    Task DeleteArtifactsAsync(string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<ArtifactInfo>?> ListArtifactsAsync(string id, CancellationToken cancellationToken);

    /// <summary>One artifact of a job by its path (reads the job's index: for many, list once and use <see cref="ReadArtifactAsync"/>).</summary>
    Task<byte[]?> GetArtifactAsync(string id, string path, CancellationToken cancellationToken);

    /// <summary>The bytes of an entry that <see cref="ListArtifactsAsync"/> returned, by its hash.</summary>
    Task<byte[]?> ReadArtifactAsync(ArtifactInfo artifact, CancellationToken cancellationToken);

    /// <summary>Removes stored values that no job names any more, after a grace for saves under way; asked only of a backend without <see cref="StorageFeatures.SourcesExpire"/>.</summary>
    Task SweepUnnamedAsync(CancellationToken cancellationToken);
}
