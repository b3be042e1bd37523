using System.IO.Hashing;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>
/// Each module's JSON (what <c>modules/&lt;id&gt;.json</c> and every chunk hold) and a 128-bit content
/// hash of it, made where the module was compiled (or read back with it) and carried in its result: a module
/// kept as a compact record cannot be rendered again, and never needs to be.
/// </summary>
public sealed class RenderedModules
{
    private readonly Dictionary<string, (ArtifactContent Content, byte[] Json, UInt128 Hash)> _byId;

    public RenderedModules(IEnumerable<ModuleResult> results)
    {
        // Sized once: grown by doubling, the table of 100,000 modules was copied over and over each build (its
        // resizes were the largest block copies in a trace of a 10-file edit at that size).
        _byId = new(results.TryGetNonEnumeratedCount(out var count) ? count : 0, StringComparer.Ordinal);
        foreach (var r in results)
        {
            if (r.Module is not null && r.Rendered is not null)
            {
                _byId[r.Module.Id] = (r.Content!, r.Rendered, r.RenderedHash ?? XxHash128.HashToUInt128(r.Rendered));
            }
        }
    }

    public byte[] Json(CompiledModule module) => Get(module).Json;

    public UInt128 Hash(CompiledModule module) => Get(module).Hash;

    /// <summary>The module's JSON as an artifact value: the same value every build that reuses the compiled module, so it is hashed once.</summary>
    public ArtifactContent Content(CompiledModule module) => Get(module).Content;

    /// <summary>All three at once: one lookup for a reader that needs more than one.</summary>
    internal (ArtifactContent Content, byte[] Json, UInt128 Hash) Get(CompiledModule module) =>
        _byId.TryGetValue(module.Id, out var rendered) ? rendered : throw new InvalidOperationException($"Module {module.Id} came without its rendered JSON.");
}
