using System.Text;
using CsCheck;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// Selecting a list of files by the decisions made for the last list (same paths in the same order) gives what a
/// selection from scratch gives: the same sources and inputs, in the same order, with the new bytes, the same vendor
/// paths and diagnostics; another list, or another grump.json, is selected from scratch.
/// </summary>
public sealed class SelectionOrderTests
{
    private static readonly string[] Folders = ["", "app/", "app/admin/", "vendor/", "vendor/lib/", "docs/", "x/"];
    private static readonly string[] Names = ["a.intent", "b.intent", "c.INTENT", "readme.md", "notes.txt", "d.intent"];
    private static readonly string?[] Settings =
    [
        null,
        """{ "vendor": ["vendor/**"] }""",
        """{ "include": ["app/**"], "exclude": ["**/b.intent"] }""",
        """{ "include": ["nothing/**"] }""",
        """{ "vendor": ["**/lib/**"], "exclude": ["docs/**"] }""",
        "{ not json",
    ];

    private static List<SourceFile> Files(int[] picks, int settings, bool root, int seed)
    {
        var paths = picks.Select(p => Folders[p % Folders.Length] + Names[p / Folders.Length % Names.Length]).Distinct(StringComparer.Ordinal).ToList();
        var files = paths.Select(p => new SourceFile(p, Encoding.UTF8.GetBytes($"Build {p} {seed}."))).ToList();
        if (Settings[settings] is { } json)
        {
            files.Insert(picks.Length == 0 ? 0 : picks[0] % (files.Count + 1), new SourceFile(ProjectSettings.FileName, Encoding.UTF8.GetBytes(json)));
        }

        return root ? [.. files.Select(f => f with { Path = "top/" + f.Path })] : files;
    }

    private static string Describe(ProjectSelection s) =>
        string.Join("\n", s.Sources.Select(f => $"S {f.Path} {Encoding.UTF8.GetString(f.Content.Span)}")) + "\n" +
        string.Join("\n", s.Inputs.Select(f => $"I {f.Path} {f.Sha256}")) + "\n" +
        string.Join(",", s.VendorPaths.Order(StringComparer.Ordinal)) + "\n" +
        string.Join("\n", s.Diagnostics.Select(d => d.ToString())) + "\n" + s.Settings.Name;

    [Fact]
    public void The_last_lists_decisions_select_an_edit_as_a_selection_from_scratch_does()
    {
        Gen.Select(Gen.Int[0, 200].Array[0, 40], Gen.Int[0, Settings.Length - 1], Gen.Bool, Gen.Int[0, 3]).Sample((picks, settings, root, change) =>
        {
            var first = ProjectLoader.Select(Files(picks, settings, root, seed: 1));
            Assert.NotNull(first.Order);

            // 0: only contents change; 1: grump.json changes too; 2: the list is in another order; 3: one file fewer.
            var next = Files(picks, change == 1 ? (settings + 1) % Settings.Length : settings, root, seed: 2);
            if (change == 2)
            {
                next.Reverse();
            }
            else if (change == 3 && next.Count > 0)
            {
                next.RemoveAt(next.Count / 2);
            }

            var again = ProjectLoader.Select(next, first.Order);
            var scratch = ProjectLoader.Select(next);
            Assert.Equal(Describe(scratch), Describe(again));
            AssertVendorFlags(first);
            AssertVendorFlags(again);
            Assert.NotNull(again.Order);
            if (change == 0)
            {
                Assert.Same(first.VendorPaths, again.VendorPaths); // placed by the last decisions, not selected again
            }
        }, iter: 400);
    }

    /// <summary>The flags a selection answers by position are its vendor paths' (and a selection without an order's too).</summary>
    private static void AssertVendorFlags(ProjectSelection s)
    {
        foreach (var selection in new[] { s, s with { Order = null } })
        {
            Assert.Equal(selection.Sources.Select(f => s.VendorPaths.Contains(f.Path)), selection.Sources.Select((_, i) => selection.IsVendor(i)));
            Assert.Equal(selection.Inputs.Select(f => s.VendorPaths.Contains(f.Path)), selection.Inputs.Select((_, i) => selection.IsVendorInput(i)));
        }
    }

    [Fact]
    public void An_edit_is_placed_by_the_last_decisions_and_its_new_bytes_are_read()
    {
        // A list out of path order, so the decisions (not a sort) place the files.
        var files = new List<SourceFile>
        {
            new("b.intent", "Build a cart."u8.ToArray()),
            new(ProjectSettings.FileName, """{ "vendor": ["v/**"] }"""u8.ToArray()),
            new("v/lib.intent", "Track analytics."u8.ToArray()),
            new("a.intent", "Build a wishlist."u8.ToArray()),
        };
        var first = ProjectLoader.Select(files);
        files[0] = new SourceFile("b.intent", "Build a checkout."u8.ToArray());
        var again = ProjectLoader.Select(files, first.Order);
        Assert.Same(first.VendorPaths, again.VendorPaths); // taken from the decisions, not matched again
        Assert.Equal(["a.intent", "b.intent", "v/lib.intent"], again.Sources.Select(f => f.Path));
        Assert.Equal("Build a checkout.", Encoding.UTF8.GetString(again.Sources[1].Content.Span));
        Assert.Equal([false, false, true], again.Sources.Select((_, i) => again.IsVendor(i)));
        Assert.Equal([false, false, false, true], again.Inputs.Select((_, i) => again.IsVendorInput(i))); // grump.json, third in path order, is no vendor code
    }
}
