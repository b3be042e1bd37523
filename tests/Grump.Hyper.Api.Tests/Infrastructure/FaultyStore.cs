using Grump.Hyper.Api.Storage;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;
using Microsoft.Extensions.DependencyInjection;

namespace Grump.Hyper.Api.Tests.Infrastructure;

/// <summary>
/// The real stores with faults switched in: the sources and artifacts of the data folder store that the service
/// would use, each wrapped so that chosen operations throw what a broken disk throws (the rest pass through).
/// Only those two kinds of state are replaced; job records, keys and deliveries stay the service's own.
/// </summary>
public sealed class FaultyStore(ISourceStore innerSources, IArtifactStore innerArtifacts) : ISourceStore, IArtifactStore
{
    /// <summary>How many more source uploads fail (then they work again).</summary>
    public int FailingSourceWrites { get; set; }

    /// <summary>When set, every artifact write fails: a permanent error that no retry mends.</summary>
    public bool ArtifactWritesFail { get; set; }

    /// <summary>Registers it in place of the service's source and artifact stores, keeping the ones the service built inside.</summary>
    public static void Install(IServiceCollection services, Action<FaultyStore> configure)
    {
        var originalSources = services.Last(d => d.ServiceType == typeof(ISourceStore));
        var originalArtifacts = services.Last(d => d.ServiceType == typeof(IArtifactStore));
        services.Remove(originalSources);
        services.Remove(originalArtifacts);
        services.AddSingleton<FaultyStore>(sp =>
        {
            var store = new FaultyStore((ISourceStore)originalSources.ImplementationFactory!(sp), (IArtifactStore)originalArtifacts.ImplementationFactory!(sp));
            configure(store);
            return store;
        });
        services.AddSingleton<ISourceStore>(sp => sp.GetRequiredService<FaultyStore>());
        services.AddSingleton<IArtifactStore>(sp => sp.GetRequiredService<FaultyStore>());
    }

    public Task PutSourcesAsync(IReadOnlyList<SourceFile> files, CancellationToken cancellationToken)
    {
        if (FailingSourceWrites > 0)
        {
            FailingSourceWrites--;
            throw new IOException("No space left on device");
        }

        return innerSources.PutSourcesAsync(files, cancellationToken);
    }

    public Task SaveArtifactsAsync(string id, ArtifactSet artifacts, CancellationToken cancellationToken) =>
        ArtifactWritesFail ? throw new IOException("Not a directory") : innerArtifacts.SaveArtifactsAsync(id, artifacts, cancellationToken);

    public Task<IReadOnlySet<string>> TouchSourcesAsync(IReadOnlyList<string> digests, CancellationToken cancellationToken) => innerSources.TouchSourcesAsync(digests, cancellationToken);

    public Task<IReadOnlyList<SourceFile>> GetSourcesAsync(IReadOnlyList<ProjectInput> inputs, CancellationToken cancellationToken) => innerSources.GetSourcesAsync(inputs, cancellationToken);

    public Task<int> SweepSourcesAsync(DateTimeOffset unusedSince, IReadOnlySet<string> keep, CancellationToken cancellationToken) => innerSources.SweepSourcesAsync(unusedSince, keep, cancellationToken);

    public Task DeleteArtifactsAsync(string id, CancellationToken cancellationToken) => innerArtifacts.DeleteArtifactsAsync(id, cancellationToken);

    public Task<IReadOnlyList<ArtifactInfo>?> ListArtifactsAsync(string id, CancellationToken cancellationToken) => innerArtifacts.ListArtifactsAsync(id, cancellationToken);

    public Task<byte[]?> GetArtifactAsync(string id, string path, CancellationToken cancellationToken) => innerArtifacts.GetArtifactAsync(id, path, cancellationToken);

    public Task<byte[]?> ReadArtifactAsync(ArtifactInfo artifact, CancellationToken cancellationToken) => innerArtifacts.ReadArtifactAsync(artifact, cancellationToken);

    public Task SweepUnnamedAsync(CancellationToken cancellationToken) => innerArtifacts.SweepUnnamedAsync(cancellationToken);
}
