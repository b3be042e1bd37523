using System.Text;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Tests;

public sealed class ProjectTests
{
    private static SourceFile File(string path, string text) => new(path, Encoding.UTF8.GetBytes(text));

    private static CompilationResult Compile(params SourceFile[] files) => Compilation.Compile(files);

    private static string Codes(CompilationResult result) => string.Join(" ", result.Diagnostics.Select(d => $"{d.Code}@{d.File}:{d.Line}:{d.Column}"));

    [Fact]
    public void A_single_top_folder_is_the_project_root()
    {
        var result = Compile(File("shop/cart.intent", "Build a cart."), File("shop/grump.json", "{\"name\":\"shop\"}"));
        Assert.True(result.Artifacts.TryGet("modules/cart.json", out _));
        Assert.Contains("\"name\":\"shop\"", Encoding.UTF8.GetString(result.Artifacts[ArtifactSet.Manifest]), StringComparison.Ordinal);
    }

    [Fact]
    public void Include_exclude_and_vendor_globs_pick_and_mark_the_sources()
    {
        var result = Compile(
            File("grump.json", """{ "include": ["src/**/*.intent", "vendor/**"], "exclude": ["**/drafts/**"], "vendor": ["vendor/**"] }"""),
            File("src/cart.intent", "Build a cart."),
            File("src/drafts/idea.intent", "Build a blog."),
            File("vendor/tracker.intent", "Track analytics."),
            File("other/ignored.intent", "Build chat."));
        var modules = result.Artifacts.Where(a => a.Key.StartsWith("modules/", StringComparison.Ordinal)).Select(a => a.Key).ToList();
        Assert.Equal(["modules/src/cart.json", "modules/vendor/tracker.json"], modules);
        Assert.Contains("\"vendor\": true", Encoding.UTF8.GetString(result.Artifacts["modules/vendor/tracker.json"]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_project_file_is_an_error_at_its_position_and_defaults_apply()
    {
        var result = Compile(File("grump.json", "{\n  \"name\": \"shop\",\n  oops\n}"), File("cart.intent", "Build a cart."));
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(("GH1020", "grump.json", 3), (error.Code, error.File, error.Line));
        Assert.True(result.Artifacts.TryGet("modules/cart.json", out _));
        Assert.False(result.Success);
    }

    [Fact]
    public void Unknown_keys_are_reported_at_the_key_and_invalid_values_at_the_value()
    {
        var result = Compile(File("grump.json", "{\n  \"name\": \"shop\",\n  \"colour\": \"blue\",\n  \"split\": { \"minChunkBytes\": -1 }\n}"), File("cart.intent", "Build a cart."));
        Assert.Equal("GH2005@grump.json:3:3 GH1021@grump.json:4:31", Codes(result));
    }

    [Theory]
    [InlineData("\"big\"", "a string")]
    [InlineData("true", "a boolean")]
    [InlineData("null", "null")]
    [InlineData("[1]", "a list")]
    [InlineData("2.5", "2.5")]
    public void A_split_setting_of_the_wrong_type_is_a_diagnostic_at_its_value_not_an_exception(string value, string described)
    {
        foreach (var key in new[] { "minChunkBytes", "maxInitialChunks", "maxAsyncChunks" })
        {
            var text = "{\n  \"split\": {\n    \"" + key + "\": " + value + "\n  }\n}";
            var result = Compile(File("grump.json", text), File("cart.intent", "Build a cart."));
            var diagnostic = Assert.Single(result.Diagnostics);
            Assert.Equal("GH1021", diagnostic.Code);
            Assert.Equal((3, 5 + key.Length + 4), (diagnostic.Line, diagnostic.Column));
            Assert.Contains("split." + key, diagnostic.Message, StringComparison.Ordinal);
            Assert.Contains("not " + described, diagnostic.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_project_without_sources_is_an_error()
    {
        var result = Compile(File("readme.md", "# nothing"));
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("GH1040", diagnostic.Code);
        Assert.Equal(".", diagnostic.File); // the project root: there is no grump.json to blame
        Assert.Contains("no grump.json", diagnostic.Message, StringComparison.Ordinal);
        Assert.False(result.Success);

        var withSettings = Compile(File("grump.json", """{ "include": ["src/**"] }"""), File("other/a.intent", "Build a cart."));
        Assert.Equal(("GH1040", "grump.json"), (withSettings.Diagnostics.Single().Code, withSettings.Diagnostics.Single().File));
        Assert.True(result.Artifacts.TryGet(ArtifactSet.Manifest, out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_links_edges_by_position_are_each_modules_own(int seed)
    {
        var files = ProjectGenerator.Generate(400, seed).Append(new SourceFile("zz/cyclic.intent", "---\ndepends: [area01/module00001, zz/cyclic, nowhere]\n---\nBuild a blog.\n"u8.ToArray()));
        var link = Linking.Linker.Link(files.Select(f => Modules.ModuleCompiler.Compile(f, false, Modules.CompilationOptions.Default).Module!).Where(m => m is not null));
        Assert.Equal(link.Modules.Length, link.EdgesByPosition.Length);
        for (var i = 0; i < link.Modules.Length; i++)
        {
            Assert.Equal(link.Edges[link.Modules[i].Id], link.EdgesByPosition[i]);
        }
    }

    [Fact]
    public void Duplicate_ids_and_routes_are_errors_at_the_later_module()
    {
        var result = Compile(
            File("a.intent", "---\nid: cart\nroute: /cart\n---\nBuild a cart."),
            File("b.intent", "---\nid: cart\n---\nBuild a cart."),
            File("c.intent", "---\nroute: /cart\n---\nBuild a cart."));
        Assert.Equal("GH1030@b.intent:2:5 GH1033@c.intent:2:8", Codes(result));
        Assert.Contains("a.intent", result.Diagnostics[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_dependency_is_an_error_at_the_item()
    {
        var result = Compile(File("a.intent", "---\ndepends: [b, missing]\n---\nBuild a cart."), File("b.intent", "Build a blog."));
        Assert.Equal("GH1031@a.intent:2:14", Codes(result));
    }

    [Fact]
    public void A_cycle_is_reported_once_naming_the_whole_cycle()
    {
        var result = Compile(
            File("a.intent", "---\ndepends: [b]\n---\nBuild a."),
            File("b.intent", "---\ndepends: [c]\n---\nBuild b."),
            File("c.intent", "---\ndepends: [a]\n---\nBuild c."),
            File("d.intent", "---\ndepends: [d]\n---\nBuild d."));
        var cycles = result.Diagnostics.Where(d => d.Code == "GH1032").ToList();
        Assert.Equal(2, cycles.Count);
        Assert.Equal("Dependency cycle: a -> b -> c -> a", cycles[0].Message);
        Assert.Equal((2, 11), (cycles[0].Line, cycles[0].Column));
        Assert.Equal("Dependency cycle: d -> d", cycles[1].Message);
    }

    [Fact]
    public void Dependencies_come_before_dependents_in_the_link_order()
    {
        var link = Linking.Linker.Link([
            .. new[] { ("app", "[lib, ui]"), ("lib", "[]"), ("ui", "[lib]") }
                .Select(m => TestSources.Compile($"---\nid: {m.Item1}\ndepends: {m.Item2}\n---\nBuild it.", m.Item1 + ".intent").Module!)]);
        Assert.Equal(["lib", "ui", "app"], link.Order);
    }

    [Fact]
    public void The_same_project_in_any_order_gives_byte_identical_artifacts()
    {
        var files = Enumerable.Range(0, 40).Select(i => File($"m{i:00}.intent", $"---\ndepends: [m{(i + 1) % 40:00}]\n---\nBuild a cart with Stripe and React, no MongoDB. Item {i}.")).ToList();
        var first = Compile([.. files]);
        var shuffled = files.OrderBy(_ => Random.Shared.Next()).ToArray();
        var second = Compile(shuffled);
        Assert.Equal(first.Artifacts.Select(a => a.Key), second.Artifacts.Select(a => a.Key));
        foreach (var (path, content) in first.Artifacts)
        {
            Assert.Equal(content.ToArray(), second.Artifacts[path]);
        }
    }
}

public sealed class DocumentationTests
{
    [Fact]
    public void The_readme_lists_every_diagnostic_code_with_its_severity()
    {
        var rows = File.ReadAllLines(Path.Combine(Repository.Root, "README.md"))
            .Where(l => l.StartsWith("| GH", StringComparison.Ordinal))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .Select(c => $"{c[1]} {c[2]}")
            .ToList();
        var catalogue = Diagnostics.DiagnosticCatalog.All
            .Select(d => $"{d.Code} {d.Severity.ToString().ToLowerInvariant()}")
            .ToList();
        Assert.Equal(catalogue.Order(StringComparer.Ordinal), rows.Order(StringComparer.Ordinal));
    }
}

public sealed class SourceFileTests
{
    [Fact]
    public void Changing_the_content_with_a_with_expression_changes_the_hash()
    {
        var file = new SourceFile("a.intent", "Build a cart."u8.ToArray());
        var hash = file.Sha256;
        var edited = file with { Content = "Build a blog."u8.ToArray() };
        var moved = file with { Path = "b.intent" };
        Assert.NotEqual(hash, edited.Sha256);
        Assert.Equal(SourceFile.Hash("Build a blog."u8), edited.Sha256);
        Assert.Equal(hash, moved.Sha256);
    }
}
