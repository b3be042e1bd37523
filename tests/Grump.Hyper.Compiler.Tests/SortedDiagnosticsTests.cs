using System.Collections.Immutable;
using CsCheck;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// A project's diagnostics kept sorted between builds: whatever modules an edit recompiles (with fewer, more or other
/// diagnostics, equal ones included) and whatever the link reports, the list is the one a full sort gives, capped.
/// </summary>
public sealed class SortedDiagnosticsTests
{
    private static Diagnostic Make(int file, int line, int code, int salt) =>
        new(code % 2 == 0 ? DiagnosticCatalog.EmptyBody : DiagnosticCatalog.UnknownDependency, $"src/m{file:000}.intent", line, 1 + (salt % 3), $"message {salt % 4}");

    private static ModuleResult Result(int file, IEnumerable<Diagnostic> diagnostics) => new($"src/m{file:000}.intent", null, [.. diagnostics]);

    private static string Text(ImmutableArray<Diagnostic> diagnostics) => string.Join("\n", diagnostics.Select(d => d.ToString()));

    [Fact]
    public void Merging_an_edit_s_diagnostics_gives_what_a_full_sort_gives()
    {
        var diagnostics = Gen.Select(Gen.Int[1, 30], Gen.Int[0, 3], Gen.Int[0, 20]).Array[0, 4];
        var edit = Gen.Select(Gen.Int[0, 10_000], diagnostics, Gen.Int[0, 9]);
        Gen.Select(Gen.Int[1, 400], Gen.Int[0, 150], edit.Array[0, 12].Array[1, 6], Gen.Int[0, 3]).Sample((files, many, builds, linkEvery) =>
        {
            // Most files clean, a few with many diagnostics (past the per-file cap), as projects are.
            var results = Enumerable.Range(0, files).Select(f => Result(f, f % 37 == 0 ? Enumerable.Range(0, many).Select(i => Make(f, i, i, i)) : [])).ToArray();
            var kept = new SortedDiagnostics();
            var link = ImmutableArray<Diagnostic>.Empty;
            Assert.Equal(Text(new SortedDiagnostics().Of([], results, link, [])), Text(kept.Of([], results, link, [])));
            var build = 0;
            foreach (var edits in builds)
            {
                foreach (var (at, made, kind) in edits)
                {
                    var f = at % files;
                    results[f] = kind switch
                    {
                        0 => results[f] with { }, // a new result, the very same diagnostics
                        1 => Result(f, [.. results[f].Diagnostics, .. results[f].Diagnostics.Take(1).Select(d => d with { })]), // an equal one twice
                        _ => Result(f, made.Select(d => Make(f, d.Item1, d.Item2, d.Item3))),
                    };
                }

                if (linkEvery > 0 && ++build % linkEvery == 0)
                {
                    link = [Make(build % files, 1, 1, build)];
                }

                var before = kept.Of([], results, link, []);
                Assert.Equal(Text(new SortedDiagnostics().Of([], results, link, [])), Text(before));
                Assert.True(kept.Of([], results, link, []) == before, "the same inputs again give the very same list");
            }
        }, iter: 300);
    }
}
