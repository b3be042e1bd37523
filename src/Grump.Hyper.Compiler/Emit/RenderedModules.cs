using System.Runtime.InteropServices;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>
/// Each module's JSON (what <c>modules/&lt;id&gt;.json</c> and every chunk hold) and a 128-bit content
/// hash of it, made where the module was compiled (or read back with it) and carried in its result: a module
/// kept as a compact record cannot be rendered again, and never needs to be.
/// </summary>
/// <remarks>
/// Found by the compiled module itself (a reference lookup, no hashing of ids). A build of a project keeps
/// the table of the build before and updates it in place (<see cref="Update"/>): a module reused from the
/// last build is the very same object with the very same result, so an edit writes only the entries of the
/// modules it changed, where a table made anew each build was a tenth of an incremental build's allocations.
/// </remarks>
public sealed class RenderedModules
{
    private Dictionary<CompiledModule, ModuleResult> _byModule = new(ReferenceEqualityComparer.Instance);

    public RenderedModules(IEnumerable<ModuleResult> results) => Update(results as IReadOnlyList<ModuleResult> ?? [.. results]);

    /// <summary>The results the table was last updated from, by position: an entry that is the very same result is in the table already.</summary>
    private ModuleResult[] _last = [];

    /// <summary>This build's results: entries of modules no longer built stay until they outnumber the live ones, harmless (never asked for).</summary>
    /// <remarks>
    /// Only the results that are not the very ones at the same position last time are entered (an edit's few): entering
    /// all 100,000 of them, each a lookup by a module's identity hash in a table the size of the project, was a twentieth
    /// of an edit there.
    /// </remarks>
    internal void Update(IReadOnlyList<ModuleResult> results)
    {
        if (_byModule.Count > 2 * results.Count)
        {
            (_byModule, _last) = (new(results.Count, ReferenceEqualityComparer.Instance), []);
        }

        if (_last.Length != results.Count)
        {
            _last = new ModuleResult[results.Count];
            _byModule.EnsureCapacity(results.Count);
        }

        var last = _last;
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            if (ReferenceEquals(last[i], r))
            {
                continue;
            }

            if (r.Module is not null && r.Rendered is not null)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(_byModule, r.Module, out _) = r;
            }

            last[i] = r;
        }
    }

    public byte[] Json(CompiledModule module) => Get(module).Rendered!;

    public UInt128 Hash(CompiledModule module) => Get(module).Hash;

    /// <summary>The module's JSON as an artifact value: the same value every build that reuses the compiled module, so it is hashed once.</summary>
    public ArtifactContent Content(CompiledModule module) => Get(module).Content!;

    /// <summary>The module's result, which carries all three (one lookup for a reader that needs more than one).</summary>
    internal ModuleResult Get(CompiledModule module) =>
        _byModule.TryGetValue(module, out var rendered) ? rendered : throw new InvalidOperationException($"Module {module.Id} came without its rendered JSON.");
}
