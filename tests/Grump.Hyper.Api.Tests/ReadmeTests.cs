using System.Text.RegularExpressions;
using Grump.Hyper.Api.Tests.Infrastructure;

namespace Grump.Hyper.Api.Tests;

/// <summary>
/// The README as a new user pastes it: its walk-through (the "Try it" block) and its CI example (the packed
/// CLI tool, installed from a local folder) run unchanged against the service started with the README's
/// first command. Only the address is put in, and /tmp becomes a folder of this test's own.
/// </summary>
public sealed partial class ReadmeTests() : ServiceProcessTests("grump-readme-")
{
    protected override Task<HyperProcess> StartAsync() => HyperProcess.StartLikeReadmeAsync();

    private static string Readme() => File.ReadAllText(Repository.File("README.md"));

    /// <summary>The first fenced block of <paramref name="language"/> after <paramref name="heading"/>.</summary>
    private static string Block(string heading, string language)
    {
        var readme = Readme();
        var at = readme.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(at >= 0, $"README has no '{heading}'");
        var open = readme.IndexOf("```" + language + "\n", at, StringComparison.Ordinal) + 4 + language.Length;
        return readme[open..readme.IndexOf("```", open, StringComparison.Ordinal)];
    }

    private async Task<(int Code, string Output)> BashAsync(string script, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var run = await ToolRun.RunAsync("bash", ["-c", script], TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken, workingDirectory, environment);
        return (run.ExitCode, run.Output + run.Errors + "\n" + Api.RecentOutput);
    }

    [Fact]
    public async Task The_try_it_walk_through_runs_as_pasted()
    {
        var script = Block("## Try it", "sh")
            .Replace("http://localhost:5080", Api.Address!.ToString().TrimEnd('/'), StringComparison.Ordinal)
            .Replace("/tmp/", Temp.Path + "/", StringComparison.Ordinal);
        var (code, output) = await BashAsync(script, Repository.Root);
        Assert.True(code == 0, output);
        Assert.Contains("HTTP/1.1 202 Accepted", output, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"succeeded\"", output, StringComparison.Ordinal); // Prefer: wait gave the finished job
        Assert.Contains("artifacts.zip", output, StringComparison.Ordinal); // ls -l ran: the download succeeded
        Assert.True(new FileInfo(Path.Combine(Temp.Path, "artifacts.zip")).Length > 10_000, output);
        Assert.Contains("urn:grump-hyper:problem:", output, StringComparison.Ordinal); // the last line's problem document
    }

    [Fact]
    public async Task The_ci_example_runs_with_the_packed_tool_installed_from_a_local_folder()
    {
        var feed = Path.Combine(Temp.Path, "feed");
        var tools = Path.Combine(Temp.Path, "work", ".tools");
        var (code, output) = await BashAsync(
            $"dotnet pack src/Grump.Hyper.Cli -c {Configuration()} --no-build -o '{feed}' -nologo -v q && dotnet tool install Grump.Hyper.Cli --tool-path '{tools}' --add-source '{feed}'",
            Repository.Root);
        Assert.True(code == 0, output);

        // The workflow's run lines, from the README, in a checkout whose intents are the shop example.
        var work = Path.Combine(Temp.Path, "work");
        CopyFolder(Archives.ExampleFolder("shop"), Path.Combine(work, "intents"));
        var lines = ToolLine().Matches(Block("## From CI", "yaml")).Select(m => m.Groups["line"].Value).ToList();
        Assert.Equal(2, lines.Count);
        (code, output) = await BashAsync("set -euo pipefail\n" + string.Join('\n', lines), work, new Dictionary<string, string>
        {
            ["GRUMP_HYPER_URL"] = Api.Address!.ToString(),
            ["GITHUB_REF_NAME"] = "main",
        });
        Assert.True(code == 0, output);
        Assert.Contains("\"status\": \"succeeded\"", File.ReadAllText(Path.Combine(work, "job.json")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(work, "artifacts", "manifest.json")), output);
    }

    /// <summary>The configuration these tests were built in (bin/&lt;configuration&gt;/net10.0): the tool is packed from that build.</summary>
    private static string Configuration() => Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))!);

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [GeneratedRegex(@"^\s*(?<line>\.tools/grump-hyper .*)$", RegexOptions.Multiline)]
    private static partial Regex ToolLine();
}
