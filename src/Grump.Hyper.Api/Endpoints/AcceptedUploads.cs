using System.Security.Cryptography;
using BitFaster.Caching.Lru;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Compiler.Project;

namespace Grump.Hyper.Api.Endpoints;

/// <summary>
/// The manifests of archives this process accepted lately, by tenant and the archive's SHA-256. The same bytes give
/// the same files, selection and manifest (reading is deterministic and the limits are fixed per process), so an
/// upload seen before is not read, hashed, selected or stored again: a CI job that submits the same commit twice
/// pays for its upload once. A hit counts only while the store still holds every input for the tenant (the same
/// check a manifest submission gets, which also touches them for retention); otherwise the archive is read as new.
/// </summary>
public sealed class AcceptedUploads(Observability.ApiMetrics metrics)
{
    /// <summary>A few projects per process.</summary>
    public const int Capacity = 8;

    /// <summary>
    /// Inputs remembered in all, whatever the entries: a manifest holds about 280 bytes an input (3 MB for 10,000, 28 MB
    /// for 100,000), so this keeps the memory near 56 MB. Past it the memory starts again (counted on adding, an upper
    /// bound: entries the LRU drops are not subtracted, which only makes it start again sooner).
    /// </summary>
    public const int MaxInputs = 200_000;

    private readonly ConcurrentLru<(string Tenant, string Archive), Accepted> _accepted = new(Capacity);

    /// <summary>Each tenant's last selection (the engine keeps one per project the same way).</summary>
    private readonly Grump.Hyper.Engine.Projects.ProjectSelections _selections = new(Capacity);
    private long _remembered;
    private long _inputs;

    /// <summary>The manifest made when the upload was first accepted and how many sources it selected.</summary>
    public sealed record Accepted(ProjectManifest Manifest, int Sources);

    /// <summary>Uploads answered from here since the process started.</summary>
    public long Remembered => Interlocked.Read(ref _remembered);

    /// <summary>The key of an upload: one SHA-256 of its bytes (a millisecond for 1.5 MB), taken once per request.</summary>
    public static (string Tenant, string Archive) KeyOf(string tenant, byte[] archive) => (tenant, Convert.ToHexStringLower(SHA256.HashData(archive)));

    /// <summary>The upload as accepted before, if this process remembers it and the store still holds all its inputs for the tenant.</summary>
    public async Task<Accepted?> RecallAsync((string Tenant, string Archive) key, ISourceStore sources, ITenantBlobs tenantBlobs, CancellationToken cancellationToken)
    {
        if (!_accepted.TryGet(key, out var accepted))
        {
            return null;
        }

        var missing = await BlobsApi.MissingOfAsync(key.Tenant, [.. accepted.Manifest.Inputs.Select(i => i.Sha256)], sources, tenantBlobs, cancellationToken);
        if (missing.Count > 0)
        {
            _accepted.TryRemove(key); // swept since: read the archive again, which stores them again
            return null;
        }

        Interlocked.Increment(ref _remembered);
        metrics.UploadRemembered();
        return accepted;
    }

    /// <summary>
    /// Selects the project of an upload's files, from the tenant's last selection when the paths and grump.json are the
    /// same (the same selection either way: <see cref="ProjectLoader.Select(IEnumerable{Grump.Hyper.Compiler.Modules.SourceFile}, SelectionOrder?)"/>).
    /// </summary>
    public ProjectSelection Select(string tenant, IEnumerable<Grump.Hyper.Compiler.Modules.SourceFile> files) => _selections.Select(tenant, files);

    /// <summary>Called once the upload's inputs are stored and the tenant holds them.</summary>
    public void Remember((string Tenant, string Archive) key, ProjectManifest manifest, int sources)
    {
        if (manifest.Inputs.Length > MaxInputs)
        {
            return; // larger than the whole budget: read again next time
        }

        if (Interlocked.Add(ref _inputs, manifest.Inputs.Length) > MaxInputs)
        {
            _accepted.Clear();
            Interlocked.Exchange(ref _inputs, manifest.Inputs.Length);
        }

        _accepted.AddOrUpdate(key, new Accepted(manifest, sources));
    }
}
