using System.Text.Json;
using Grump.Hyper.Api.Tests.Infrastructure;
using Grump.Hyper.Cli;

namespace Grump.Hyper.Api.Tests;

/// <summary>
/// The CLI's service commands as CI runs them, against the service as a process of its own on loopback (real
/// HTTP, real uploads): the exit codes, the progress and diagnostics lines, the artifacts on disk.
/// </summary>
public sealed class CliServiceTests() : ServiceProcessTests("grump-cli-service-")
{
    private string Url => Api.Address!.ToString();

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr, TestContext.Current.CancellationToken);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Project(string name, params (string Path, string Text)[] files)
    {
        var folder = Path.Combine(Temp.Path, name);
        foreach (var (path, text) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, path))!);
            File.WriteAllText(Path.Combine(folder, path), text);
        }

        return folder;
    }

    [Fact]
    public async Task Submit_and_wait_shows_progress_and_exits_0_for_a_clean_project()
    {
        var (code, stdout, stderr) = await Run("submit", Archives.ExampleFolder("shop"), "--url", Url, "--wait", "--label", "ci", "--tier", "aggressive");
        Assert.True(code == 0, stderr);
        Assert.Matches("^grump-hyper: job [0-9a-f]{32} succeeded: 0 errors, 0 warnings", stdout);
        Assert.Contains("accepted (", stderr, StringComparison.Ordinal);
        Assert.Contains("/14 files", stderr, StringComparison.Ordinal); // progress, with the project's file count
        Assert.Matches(@"job [0-9a-f]{32}: 14 files, \d+ from the cache, \d+ compiled \(succeeded\)", stderr); // the end event's metrics
    }

    [Fact]
    public async Task A_second_submit_after_an_edit_uploads_only_the_changed_file()
    {
        var project = Project("edit", [.. Enumerable.Range(0, 20).Select(i => ($"m{i:00}.intent", $"Users can browse a catalog {i} and pay with Stripe.\n"))]);
        var (code, _, stderr) = await Run("submit", project, "--url", Url, "--wait");
        Assert.True(code == 0, stderr);
        Assert.Contains("20 of 20 files uploaded", stderr, StringComparison.Ordinal);

        await File.AppendAllTextAsync(Path.Combine(project, "m07.intent"), "Add a wishlist.\n", TestContext.Current.CancellationToken);
        (code, _, stderr) = await Run("submit", project, "--url", Url, "--wait");
        Assert.True(code == 0, stderr);
        Assert.Contains("1 of 20 files uploaded", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await Run("submit", project, "--url", Url, "--wait", "--archive");
        Assert.True(code == 0, stderr);
        Assert.Contains("uploaded as one archive", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Error_diagnostics_exit_1_as_compiler_lines_or_github_annotations()
    {
        var project = Project("bad", ("a.intent", "---\ndepends: [missing]\n---\nBuild a cart.\n"), (".git/config", "not uploaded"));
        var (code, _, stderr) = await Run("submit", project, "--url", Url, "--wait");
        Assert.Equal(1, code);
        Assert.Contains("a.intent:2:11: error GH1031: Unknown dependency 'missing': no module has this id", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await Run("submit", project, "--url", Url, "--wait", "--format", "github");
        Assert.Equal(1, code);
        Assert.Contains("::error file=a.intent,line=2,col=11,title=GH1031::GH1031: Unknown dependency 'missing': no module has this id", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_wait_the_job_id_is_printed_and_status_artifacts_and_cancel_use_it()
    {
        var (code, stdout, stderr) = await Run("submit", Archives.ExampleFolder("shop"), "--url", Url);
        Assert.True(code == 0, stderr);
        var id = stdout.Trim();
        Assert.Matches("^[0-9a-f]{32}$", id);

        await Poll.UntilAsync(async () =>
        {
            var (_, json, _) = await Run("status", id, "--url", Url);
            return JsonDocument.Parse(json).RootElement.GetProperty("status").GetString() == "succeeded";
        }, TimeSpan.FromSeconds(60), () => $"job {id} did not succeed", TestContext.Current.CancellationToken);

        var output = Path.Combine(Temp.Path, "artifacts");
        (code, stdout, stderr) = await Run("artifacts", id, "--url", Url, "--out", output);
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(output, "manifest.json")));
        Assert.True(File.Exists(Path.Combine(output, "modules", "payments", "stripe.json")));

        (code, stdout, _) = await Run("result", id, "--url", Url);
        Assert.Equal(0, code);
        Assert.True(JsonDocument.Parse(stdout).RootElement.GetProperty("success").GetBoolean());

        // A finished job cannot be cancelled: the service's 409 is a service refusal, exit 3, said in one line.
        (code, _, stderr) = await Run("cancel", id, "--url", Url);
        Assert.Equal(3, code);
        Assert.Contains("409", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_that_cannot_be_reached_or_a_missing_job_exits_3_and_bad_usage_exits_2()
    {
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there now

        var (code, _, stderr) = await Run("submit", Archives.ExampleFolder("shop"), "--url", $"http://127.0.0.1:{port}", "--wait");
        Assert.Equal(3, code);
        Assert.Contains("cannot reach", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await Run("status", "0123456789abcdef0123456789abcdef", "--url", Url);
        Assert.Equal(3, code);
        Assert.Contains("404", stderr, StringComparison.Ordinal);

        foreach (var args in new[] { ["submit"], ["submit", ".", "--url", "ftp://127.0.0.1/"], ["submit", ".", "--url", Url, "--format", "xml"], ["status"], (string[])["submit", "no-such-folder", "--url", Url] })
        {
            (code, _, stderr) = await Run(args);
            Assert.True(code == 2, $"{string.Join(' ', args)} exited {code}: {stderr}");
            Assert.False(string.IsNullOrWhiteSpace(stderr));
        }
    }

    [Fact]
    public async Task An_upload_the_service_refuses_exits_2_with_its_problem()
    {
        var bad = Path.Combine(Temp.Path, "bad.zip");
        await File.WriteAllTextAsync(bad, "not a zip", TestContext.Current.CancellationToken);
        var (code, _, stderr) = await Run("submit", bad, "--url", Url, "--wait");
        Assert.Equal(2, code);
        Assert.Contains("415 Archive refused", stderr, StringComparison.Ordinal);
    }
}
