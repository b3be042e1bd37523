using System.Runtime.CompilerServices;
using System.Text.Json;
using BitFaster.Caching.Lru;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Project;

namespace Grump.Hyper.Api.Storage;

/// <summary>
/// A job's project manifest is stored as an object under the SHA-256 of its JSON. Both stores make that object once
/// per manifest and parse it once per hash in a process: the same upload again (a manifest <c>AcceptedUploads</c>
/// remembers) is not serialised again, and a compile job that runs in the process that accepted its upload gets the
/// manifest itself instead of parsing its JSON (1.4 MB at 10,000 files). A manifest is an immutable value, so sharing
/// the instance is sharing the value.
/// </summary>
internal sealed class ManifestObjects
{
    // Few: the recent uploads' manifests are what the next jobs read, and one of 100,000 inputs is tens of megabytes.
    private const int Parsed = 4;

    private readonly ConditionalWeakTable<ProjectManifest, string> _hashes = new();
    private readonly ConcurrentLru<string, ProjectManifest> _byHash = new(Parsed);

    /// <summary>The hash of a manifest this process stored or read before, without serialising it.</summary>
    public string? KnownHash(ProjectManifest manifest) => _hashes.TryGetValue(manifest, out var sha) ? sha : null;

    /// <summary>The manifest as the object to store; remembered by its hash once made.</summary>
    public ArtifactContent ToObject(ProjectManifest manifest)
    {
        var content = ArtifactContent.Of(JsonSerializer.SerializeToUtf8Bytes(manifest, StoreJson.Default.ProjectManifest));
        Remember(manifest, content.Sha256);
        return content;
    }

    /// <summary>The manifest stored under <paramref name="sha256"/>: from memory, or parsed from what <paramref name="read"/> returns (null: not stored).</summary>
    public async Task<ProjectManifest?> ReadAsync(string sha256, Func<Task<byte[]?>> read)
    {
        if (_byHash.TryGet(sha256, out var known))
        {
            return known;
        }

        if (await read() is not { } bytes)
        {
            return null;
        }

        var manifest = JsonSerializer.Deserialize(bytes, StoreJson.Default.ProjectManifest)!;
        Remember(manifest, sha256);
        return manifest;
    }

    private void Remember(ProjectManifest manifest, string sha256)
    {
        _hashes.AddOrUpdate(manifest, sha256);
        _byHash.AddOrUpdate(sha256, manifest);
    }
}
