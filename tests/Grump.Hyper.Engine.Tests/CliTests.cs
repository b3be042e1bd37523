using System.IO.Compression;
using Grump.Hyper.Cli;

namespace Grump.Hyper.Engine.Tests;

/// <summary>The command line as CI runs it: exit codes, diagnostics lines, artifacts on disk.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("grump-cli-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static string Example()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Grump.Hyper.Api.sln")))
        {
            dir = Path.GetDirectoryName(dir)!;
        }

        return Path.Combine(dir, "examples", "shop");
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("\"big\"")]
    [InlineData("true")]
    [InlineData("null")]
    public void A_grump_json_value_of_the_wrong_type_is_a_located_diagnostic_and_exit_1(string value)
    {
        var project = Path.Combine(_temp, "p");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "grump.json"), "{\n  \"split\": { \"maxAsyncChunks\": " + value + " }\n}");
        File.WriteAllText(Path.Combine(project, "a.intent"), "Build a cart.");
        var (code, _, stderr) = Run("compile", project, "--out", Path.Combine(_temp, "out"));
        Assert.Equal(1, code);
        Assert.Contains("grump.json:2:32: error GH1021:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void An_out_path_that_is_a_file_or_cannot_be_created_exits_2_with_a_message()
    {
        var file = Path.Combine(_temp, "taken");
        File.WriteAllText(file, "x");
        var (code, _, stderr) = Run("compile", Example(), "--out", file);
        Assert.Equal(2, code);
        Assert.Contains("is a file", stderr, StringComparison.Ordinal);

        (code, _, stderr) = Run("compile", Example(), "--out", Path.Combine(file, "below"));
        Assert.Equal(2, code);
        Assert.Contains("cannot write there", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Compiling_a_folder_writes_the_artifacts_and_exits_0()
    {
        var output = Path.Combine(_temp, "out");
        var (code, stdout, stderr) = Run("compile", Example(), "--out", output, "--tier", "aggressive");
        Assert.Equal(0, code);
        Assert.Equal(string.Empty, stderr);
        Assert.Contains("14 modules, 0 errors", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "manifest.json")));
        Assert.True(File.Exists(Path.Combine(output, "modules", "payments", "stripe.json")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(output, "chunks")));
    }

    [Fact]
    public void Compiling_again_into_the_same_out_leaves_nothing_of_the_build_before()
    {
        var output = Path.Combine(_temp, "out");
        Assert.Equal(0, Run("compile", Example(), "--out", output).Code);
        var small = Path.Combine(_temp, "small");
        Directory.CreateDirectory(small);
        File.WriteAllText(Path.Combine(small, "only.intent"), "Build a cart.\n");

        Assert.Equal(0, Run("compile", small, "--out", output).Code);
        Assert.False(Directory.Exists(Path.Combine(output, "modules", "payments")), "a module of the build before was left beside the new manifest");
        Assert.Equal(["modules/only.json"], Directory.EnumerateFiles(Path.Combine(output, "modules"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(output, f).Replace('\\', '/')));
    }

    [Fact]
    public void Compiling_again_into_the_same_out_rewrites_only_files_whose_bytes_changed()
    {
        var project = Path.Combine(_temp, "shop");
        foreach (var file in Directory.EnumerateFiles(Example(), "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(project, Path.GetRelativePath(Example(), file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        var output = Path.Combine(_temp, "out");
        Assert.Equal(0, Run("compile", project, "--out", output).Code);

        // Every file aged, so a rewrite shows in its time; one output file altered by hand with its length kept; one
        // source edited.
        var aged = DateTime.UtcNow.AddHours(-1);
        foreach (var file in Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(file, aged);
        }

        var tampered = Path.Combine(output, "modules", "catalog", "search.json");
        var bytes = File.ReadAllBytes(tampered);
        bytes[bytes.Length / 2] = (byte)(bytes[bytes.Length / 2] == (byte)'a' ? 'b' : 'a');
        File.WriteAllBytes(tampered, bytes);
        File.SetLastWriteTimeUtc(tampered, aged);
        File.AppendAllText(Path.Combine(project, "payments", "stripe.intent"), "\nAdd refunds to the payments.\n");

        var (code, stdout, _) = Run("compile", project, "--out", output);
        Assert.Equal(0, code);

        // The output is a fresh compile's, byte for byte (the run's own metrics aside) ...
        var fresh = Path.Combine(_temp, "fresh");
        Assert.Equal(0, Run("compile", project, "--out", fresh).Code);
        string[] Files(string root) => [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal)];
        Assert.Equal(Files(fresh), Files(output));
        foreach (var file in Files(fresh).Where(f => f != "metrics.json"))
        {
            Assert.True(File.ReadAllBytes(Path.Combine(fresh, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(output, file))), $"{file} differs from a fresh compile");
        }

        // ... and only what changed was written: the edited module, the altered file, not an untouched module.
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(output, "modules", "payments", "stripe.json")) > aged);
        Assert.True(File.GetLastWriteTimeUtc(tampered) > aged);
        Assert.Equal(aged, File.GetLastWriteTimeUtc(Path.Combine(output, "modules", "cart.json")));
        Assert.Matches(@"\(\d+ written, [1-9]\d* unchanged, \d+ deleted;", stdout);
    }

    [Fact]
    public void A_previous_output_with_a_file_where_a_folder_now_goes_and_the_reverse_is_replaced()
    {
        var output = Path.Combine(_temp, "out");
        var built = new Grump.Hyper.Engine.Pipeline.HyperCompiler().Compile(
            Grump.Hyper.Testing.Archives.ExampleFiles("shop").Select(f => new Grump.Hyper.Compiler.Modules.SourceFile(f.Path, f.Content)),
            Grump.Hyper.Engine.Pipeline.HyperOptions.Default, cancellationToken: TestContext.Current.CancellationToken).Artifacts;
        Grump.Hyper.Compiler.Emit.ArtifactSet With(params string[] extra)
        {
            var set = built.Without("nothing");
            foreach (var path in extra)
            {
                set.Add(path, System.Text.Encoding.UTF8.GetBytes(path));
            }

            return set;
        }

        Grump.Hyper.Engine.Projects.ArtifactWriter.ReplaceIn(With("extra/a", "extra/b/c.json"), output);
        var changes = Grump.Hyper.Engine.Projects.ArtifactWriter.ReplaceIn(With("extra/a/d.json", "extra/b"), output);

        Assert.Equal("extra/a/d.json", File.ReadAllText(Path.Combine(output, "extra", "a", "d.json")));
        Assert.Equal("extra/b", File.ReadAllText(Path.Combine(output, "extra", "b")));
        Assert.Equal((2, built.Count, 0), (changes.Written, changes.Unchanged, changes.Deleted));
    }

    [Fact]
    public void A_non_empty_out_that_is_not_a_previous_output_is_refused_and_left_alone()
    {
        var output = Path.Combine(_temp, "mine");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "notes.txt"), "keep me");
        var (code, _, stderr) = Run("compile", Example(), "--out", output);
        Assert.Equal(2, code);
        Assert.Contains("not empty", stderr, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(output).Select(Path.GetFileName));
    }

    [Fact]
    public void An_archive_compiles_to_the_same_artifacts_as_its_folder()
    {
        var zip = Path.Combine(_temp, "shop.zip");
        ZipFile.CreateFromDirectory(Example(), zip, CompressionLevel.Fastest, includeBaseDirectory: true);
        Assert.Equal(0, Run("compile", Example(), "--out", Path.Combine(_temp, "a")).Code);
        Assert.Equal(0, Run("compile", zip, "--out", Path.Combine(_temp, "b")).Code);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_temp, "a"), "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("metrics.json", StringComparison.Ordinal)))
        {
            var twin = Path.Combine(_temp, "b", Path.GetRelativePath(Path.Combine(_temp, "a"), file));
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(twin));
        }
    }

    [Fact]
    public void Error_diagnostics_are_printed_as_compiler_lines_and_exit_1()
    {
        var project = Path.Combine(_temp, "bad");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "a.intent"), "---\ndepends: [missing]\npriority: 9\n---\nBuild a cart.\n");
        var (code, _, stderr) = Run("compile", project, "--out", Path.Combine(_temp, "out"));
        Assert.Equal(1, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("a.intent:2:11: error GH1031: Unknown dependency 'missing': no module has this id", lines[0]);
        Assert.StartsWith("a.intent:3:11: error GH1003:", lines[1], StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_temp, "out", "diagnostics.json")));
    }

    [Theory]
    [InlineData]
    [InlineData("build")]
    [InlineData("compile")]
    [InlineData("compile", "examples-that-do-not-exist", "--out", "x")]
    [InlineData("compile", "--out")]
    [InlineData("compile", ".", "--out", "x", "--tier", "warp")]
    [InlineData("compile", ".", "--out", "x", "--frobnicate")]
    public void Bad_usage_exits_2_with_a_message(params string[] args)
    {
        var (code, _, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.False(string.IsNullOrWhiteSpace(stderr));
    }

    [Fact]
    public void An_unreadable_archive_exits_2()
    {
        var bad = Path.Combine(_temp, "bad.zip");
        File.WriteAllText(bad, "not a zip");
        var (code, _, stderr) = Run("compile", bad, "--out", Path.Combine(_temp, "o"));
        Assert.Equal(2, code);
        Assert.Contains("archive-unsupported-format", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_exits_0()
    {
        var (code, stdout, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("[command] [options]", stdout, StringComparison.Ordinal); // after the program's name, which here is the test host's
        foreach (var command in new[] { "compile", "submit", "status", "result", "artifacts", "cancel" })
        {
            Assert.Contains(command + " <", stdout, StringComparison.Ordinal);
            var (each, help, _) = Run(command, "--help");
            Assert.Equal(0, each);
            Assert.Contains(" " + command + " <", help, StringComparison.Ordinal);
        }

        var (version, text, _) = Run("--version");
        Assert.Equal((0, true), (version, text.StartsWith(Grump.Hyper.Compiler.CompilerInfo.Version, StringComparison.Ordinal)));
    }
}
