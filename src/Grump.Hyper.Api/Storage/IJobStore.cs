using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;

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

    Task<IReadOnlyList<SourceFile>> GetSourcesAsync(IReadOnlyList<InputRef> inputs, CancellationToken cancellationToken);

    Task CreateAsync(JobRecord job, CancellationToken cancellationToken);

    Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Replaces the record, bumping its version.</summary>
    Task<JobRecord> UpdateAsync(JobRecord job, CancellationToken cancellationToken);

    Task SaveArtifactsAsync(string id, ArtifactSet artifacts, CancellationToken cancellationToken);

    Task<IReadOnlyList<ArtifactInfo>?> ListArtifactsAsync(string id, CancellationToken cancellationToken);

    Task<byte[]?> GetArtifactAsync(string id, string path, CancellationToken cancellationToken);

    /// <summary>True when the store can be read and written right now.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);
}
