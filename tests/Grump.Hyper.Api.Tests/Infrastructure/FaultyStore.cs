using Grump.Hyper.Api.Storage;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Grump.Hyper.Api.Tests.Infrastructure;

/// <summary>
/// The real store with faults switched in: the data folder store that the service would use, wrapped so
/// that chosen operations throw what a broken disk throws (the rest pass through).
/// </summary>
public sealed class FaultyStore(IJobStore inner) : IJobStore
{
    /// <summary>How many more source uploads fail (then they work again).</summary>
    public int FailingSourceWrites { get; set; }

    /// <summary>When set, every artifact write fails: a permanent error that no retry mends.</summary>
    public bool ArtifactWritesFail { get; set; }

    /// <summary>Registers it in place of the service's store, keeping the one the service built inside.</summary>
    public static void Install(IServiceCollection services, Action<FaultyStore> configure)
    {
        var original = services.Last(d => d.ServiceType == typeof(IJobStore));
        services.Remove(original);
        services.AddSingleton<FaultyStore>(sp =>
        {
            var store = new FaultyStore((IJobStore)original.ImplementationFactory!(sp));
            configure(store);
            return store;
        });
        services.AddSingleton<IJobStore>(sp => sp.GetRequiredService<FaultyStore>());
    }

    public string Kind => inner.Kind;

    public Task PutSourcesAsync(IReadOnlyList<SourceFile> files, CancellationToken cancellationToken)
    {
        if (FailingSourceWrites > 0)
        {
            FailingSourceWrites--;
            throw new IOException("No space left on device");
        }

        return inner.PutSourcesAsync(files, cancellationToken);
    }

    public Task SaveArtifactsAsync(string id, ArtifactSet artifacts, CancellationToken cancellationToken) =>
        ArtifactWritesFail ? throw new IOException("Not a directory") : inner.SaveArtifactsAsync(id, artifacts, cancellationToken);

    public Task<IReadOnlyList<SourceFile>> GetSourcesAsync(IReadOnlyList<Grump.Hyper.Compiler.Project.ProjectInput> inputs, CancellationToken cancellationToken) => inner.GetSourcesAsync(inputs, cancellationToken);

    public Task CreateAsync(JobRecord job, Grump.Hyper.Compiler.Project.ProjectManifest manifest, CancellationToken cancellationToken) => inner.CreateAsync(job, manifest, cancellationToken);

    public Task<Grump.Hyper.Compiler.Project.ProjectManifest?> GetManifestAsync(string id, CancellationToken cancellationToken) => inner.GetManifestAsync(id, cancellationToken);

    public Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);

    public Task<JobRecord?> UpdateAsync(string id, Func<JobRecord, JobRecord?> change, CancellationToken cancellationToken) => inner.UpdateAsync(id, change, cancellationToken);

    public Task DeleteArtifactsAsync(string id, CancellationToken cancellationToken) => inner.DeleteArtifactsAsync(id, cancellationToken);

    public Task<IReadOnlyList<ArtifactInfo>?> ListArtifactsAsync(string id, CancellationToken cancellationToken) => inner.ListArtifactsAsync(id, cancellationToken);

    public Task<byte[]?> GetArtifactAsync(string id, string path, CancellationToken cancellationToken) => inner.GetArtifactAsync(id, path, cancellationToken);

    public Task<byte[]?> ReadArtifactAsync(ArtifactInfo artifact, CancellationToken cancellationToken) => inner.ReadArtifactAsync(artifact, cancellationToken);

    public Task<(IReadOnlyList<JobRecord> Jobs, string? NextCursor)> ListAsync(string tenant, JobQuery query, CancellationToken cancellationToken) => inner.ListAsync(tenant, query, cancellationToken);

    public Task<IdempotencyEntry?> ClaimIdempotencyKeyAsync(string tenant, string key, string fingerprint, CancellationToken cancellationToken) => inner.ClaimIdempotencyKeyAsync(tenant, key, fingerprint, cancellationToken);

    public Task CompleteIdempotencyKeyAsync(string tenant, string key, string fingerprint, string jobId, CancellationToken cancellationToken) => inner.CompleteIdempotencyKeyAsync(tenant, key, fingerprint, jobId, cancellationToken);

    public Task ReleaseIdempotencyKeyAsync(string tenant, string key, CancellationToken cancellationToken) => inner.ReleaseIdempotencyKeyAsync(tenant, key, cancellationToken);

    public Task SaveDeliveryAsync(DeliveryRecord delivery, CancellationToken cancellationToken) => inner.SaveDeliveryAsync(delivery, cancellationToken);

    public Task<DeliveryRecord?> GetDeliveryAsync(string jobId, string deliveryId, CancellationToken cancellationToken) => inner.GetDeliveryAsync(jobId, deliveryId, cancellationToken);

    public Task<IReadOnlyList<DeliveryRecord>> ListDeliveriesAsync(string jobId, CancellationToken cancellationToken) => inner.ListDeliveriesAsync(jobId, cancellationToken);

    public IAsyncEnumerable<string> UnfinishedJobIdsAsync(CancellationToken cancellationToken) => inner.UnfinishedJobIdsAsync(cancellationToken);

    public IAsyncEnumerable<string> AllJobIdsAsync(CancellationToken cancellationToken) => inner.AllJobIdsAsync(cancellationToken);

    public Task DeleteJobAsync(JobRecord job, CancellationToken cancellationToken) => inner.DeleteJobAsync(job, cancellationToken);

    public Task<int> SweepSourcesAsync(DateTimeOffset unusedSince, IReadOnlySet<string> keep, CancellationToken cancellationToken) => inner.SweepSourcesAsync(unusedSince, keep, cancellationToken);

    public Task<bool> PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);
}
