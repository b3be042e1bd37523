using System.Collections.Concurrent;
using System.IO.Hashing;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>
/// Each module's JSON (what <c>modules/&lt;id&gt;.json</c> and every chunk hold) and a 128-bit content
/// hash of it, rendered once per build, or taken from the module's cached result when it has them.
/// </summary>
public sealed class RenderedModules
{
    private readonly ConcurrentDictionary<string, (ArtifactContent Content, byte[] Json, UInt128 Hash)> _byId = new(StringComparer.Ordinal);

    public RenderedModules()
    {
    }

    public RenderedModules(IEnumerable<ModuleResult> results)
    {
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
    internal (ArtifactContent Content, byte[] Json, UInt128 Hash) Get(CompiledModule module) => _byId.GetOrAdd(module.Id, static (_, m) =>
    {
        var json = ArtifactEmitter.Render(m);
        return (ArtifactContent.Of(json), json, XxHash128.HashToUInt128(json));
    }, module);
}
