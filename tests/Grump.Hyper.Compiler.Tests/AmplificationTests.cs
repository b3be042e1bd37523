using System.Text;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>Inputs that would make the compiler report or write far more than they weigh are capped.</summary>
public sealed class AmplificationTests
{
    private static SourceFile File(string path, string text) => new(path, Encoding.UTF8.GetBytes(text));

    [Fact]
    public void A_hundred_thousand_unknown_dependencies_give_bounded_diagnostics_and_artifacts()
    {
        var depends = string.Join(", ", Enumerable.Range(0, 100_000).Select(i => $"m{i}"));
        var source = File("a.intent", $"---\nid: a\ndepends: [{depends}]\n---\nBuild a cart.");
        var result = Compilation.Compile([source]);

        Assert.False(result.Success);
        Assert.True(result.Diagnostics.Length <= DiagnosticLimits.PerFile + 1, $"{result.Diagnostics.Length} diagnostics");
        Assert.Equal("GH1090", result.Diagnostics[^1].Code); // the summary of what was not shown, an error
        var bytes = result.Artifacts.Sum(a => (long)a.Value.Length);
        Assert.True(bytes < 1_000_000, $"{bytes} bytes of artifacts for {source.Content.Length} bytes of source");
    }

    [Fact]
    public void A_header_list_keeps_its_first_items_and_says_so()
    {
        var tags = string.Join(", ", Enumerable.Range(0, 1000).Select(i => $"t{i}"));
        var result = Compilation.Compile([File("a.intent", $"---\nid: a\ntags: [{tags}]\n---\nBuild a cart.")]);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("GH1012", diagnostic.Code);
        Assert.Equal(3, diagnostic.Line);
        Assert.Contains("256", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnostics_are_capped_per_file_and_per_project_with_one_summary_each()
    {
        // Each file repeats an unknown key 150 times: 150 warnings a file, in 20 files.
        var header = string.Concat(Enumerable.Range(0, 150).Select(i => $"colour{i}: blue\n"));
        var files = Enumerable.Range(0, 20).Select(i => File($"f{i:00}.intent", $"---\nid: f{i}\n{header}---\nBuild a cart.")).ToArray();
        var result = Compilation.Compile(files);

        var perFile = result.Diagnostics.GroupBy(d => d.File).ToDictionary(g => g.Key, g => g.ToList());
        Assert.True(result.Diagnostics.Length <= DiagnosticLimits.PerProject + perFile.Count + 1);
        var first = perFile["f00.intent"];
        Assert.Equal(DiagnosticLimits.PerFile + 1, first.Count);
        Assert.Equal("GH2090", first[^1].Code); // warnings only: the summary is a warning
        Assert.Contains("50 more diagnostics in this file", first[^1].Message, StringComparison.Ordinal);
        Assert.Contains(result.Diagnostics, d => d.Code == "GH2090" && d.Message.Contains("in this and later files", StringComparison.Ordinal));
        Assert.True(result.Success);
    }

    [Fact]
    public void A_summary_that_hides_an_error_is_an_error_so_success_never_changes()
    {
        var warnings = string.Concat(Enumerable.Range(0, 120).Select(i => $"colour{i}: blue\n"));
        var source = File("a.intent", $"---\nid: a\n{warnings}depends: [nowhere]\n---\nBuild a cart.");
        var result = Compilation.Compile([source]);
        Assert.False(result.Success);
        Assert.Equal("GH1090", result.Diagnostics[^1].Code);
    }

    [Fact]
    public void A_header_of_thousands_of_lines_is_parsed_up_to_its_limit()
    {
        var header = string.Concat(Enumerable.Range(0, 5000).Select(i => $"# comment {i}\n"));
        var result = Compilation.Compile([File("a.intent", $"---\nid: a\n{header}route: /late\n---\nBuild a cart.")]);
        Assert.Contains(result.Diagnostics, d => d.Code == "GH1013");
        Assert.True(result.Artifacts.TryGet(ArtifactSet.Manifest, out _));
    }
}
