using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;

namespace Grump.Hyper.Api.Storage;

/// <summary>Source blobs by SHA-256, shared by every job and upload that has the same bytes.</summary>
public interface ISourceStore
{
    /// <summary>Stores the blobs not stored yet, in one write (a pack, a batch); touches the others.</summary>
    Task PutSourcesAsync(IReadOnlyList<SourceFile> files, CancellationToken cancellationToken);

    /// <summary>
    /// Of <paramref name="digests"/>, those the store holds now, each touched as an upload of it would be, so a
    /// project compiled from a manifest keeps its blobs alive exactly as one uploaded again.
    /// </summary>
    Task<IReadOnlySet<string>> TouchSourcesAsync(IReadOnlyList<string> digests, CancellationToken cancellationToken);

    /// <summary>The inputs' bytes in the order given, each verified against its address once, here.</summary>
    /// <exception cref="InvalidDataException">A stored blob is missing or does not hash to its address.</exception>
    Task<IReadOnlyList<SourceFile>> GetSourcesAsync(IReadOnlyList<ProjectInput> inputs, CancellationToken cancellationToken);

    /// <summary>
    /// Removes source blobs not uploaded again since <paramref name="unusedSince"/> and not needed by any of
    /// <paramref name="keep"/> (the sources of unfinished jobs); returns how many went. A finished job
    /// needs its artifacts, never its sources. Asked only of a backend without <see cref="StorageFeatures.SourcesExpire"/>.
    /// </summary>
    Task<int> SweepSourcesAsync(DateTimeOffset unusedSince, IReadOnlySet<string> keep, CancellationToken cancellationToken);
}
