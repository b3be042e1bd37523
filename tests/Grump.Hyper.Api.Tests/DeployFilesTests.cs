using System.Text.RegularExpressions;
using Grump.Hyper.Api.Observability;

namespace Grump.Hyper.Api.Tests;

/// <summary>
/// The deploy files as a cluster would read them (no Docker engine or cluster here): the worker's health check
/// has a heartbeat to read, the Kubernetes pods meet the "restricted" Pod Security Standard, and the Compose
/// file and Dockerfile lint clean.
/// </summary>
public sealed partial class DeployFilesTests
{
    [Fact]
    public async Task A_worker_process_keeps_its_heartbeat_file_fresh()
    {
        using var temp = new TempFolder("grump-heartbeat-");
        var file = Path.Combine(temp.Path, "alive");
        await using var worker = HyperProcess.StartWorker(new Dictionary<string, string> { ["Hyper__HeartbeatFile"] = file, ["Hyper__DataPath"] = Path.Combine(temp.Path, "data") });
        await Poll.UntilAsync(() => File.Exists(file) && DateTimeOffset.TryParse(File.ReadAllText(file), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at)
            && at > DateTimeOffset.UtcNow.AddMinutes(-1),
            TimeSpan.FromSeconds(60), () => "no fresh heartbeat:\n" + worker.RecentOutput, TestContext.Current.CancellationToken);
        var first = File.GetLastWriteTimeUtc(file);
        await Poll.UntilAsync(() => File.GetLastWriteTimeUtc(file) > first, WorkerHeartbeat.Interval * 3, () => "the heartbeat was written once, not kept fresh", TestContext.Current.CancellationToken);
    }

    [Fact]
    public void The_health_checks_read_the_file_the_worker_writes()
    {
        var name = Path.GetFileName(WorkerHeartbeat.DefaultPath);
        var compose = File.ReadAllText(Repository.File("deploy", "compose.yaml"));
        var worker = compose[compose.IndexOf("  worker:", StringComparison.Ordinal)..];
        Assert.Contains($"/tmp/{name}", worker[..worker.IndexOf("deploy:", StringComparison.Ordinal)], StringComparison.Ordinal);
        var kubernetes = Deployments()["grump-hyper-worker"];
        Assert.Contains($"/tmp/{name}", kubernetes, StringComparison.Ordinal);
        Assert.Contains("livenessProbe:", kubernetes, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_pod_meets_the_restricted_pod_security_standard_and_has_a_memory_limit()
    {
        var deployments = Deployments();
        Assert.Equal(["grump-hyper-api", "grump-hyper-worker"], deployments.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, text) in deployments)
        {
            Assert.Matches(@"runAsNonRoot: true", text);
            Assert.Matches(@"runAsUser: [1-9][0-9]*\n", text); // numeric: a user name cannot be checked by the kubelet
            Assert.Matches(@"seccompProfile: \{ type: RuntimeDefault \}", text);
            Assert.Matches(@"allowPrivilegeEscalation: false", text);
            Assert.Matches(@"capabilities: \{ drop: \[ALL\] \}", text);
            Assert.Matches(@"limits: \{ cpu: ""?[0-9]+""?, memory: [0-9]+Gi \}", text);
            Assert.DoesNotMatch(@"privileged: true|hostNetwork|hostPath", text);
        }

        Assert.Matches(@"\nUSER \$APP_UID\n", File.ReadAllText(Repository.File("Dockerfile")));
        Assert.Contains("**/bin/", File.ReadAllText(Repository.File(".dockerignore")), StringComparison.Ordinal);
    }

    /// <summary>
    /// The linters that install here (npm, tools/deploy-lint): dclint checks the Compose file against the Compose
    /// schema and its best practices (warnings count too), dockerfilelint the Dockerfile.
    /// </summary>
    [Theory]
    [InlineData("dclint", "deploy/compose.yaml")]
    [InlineData("dockerfilelint", "Dockerfile")]
    public async Task The_deploy_files_lint_clean(string linter, string file)
    {
        var tool = Repository.File("tools", "deploy-lint", "node_modules", ".bin", linter);
        Assert.True(File.Exists(tool), $"{tool} is missing: run `npm ci` in tools/deploy-lint (scripts/test.sh does)");
        var run = await ToolRun.RunAsync(tool, [file], TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        Assert.True(run.ExitCode == 0, run.All);
        Assert.DoesNotContain("warning", run.Output, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Each Deployment document of the Kubernetes file, by name.</summary>
    private static Dictionary<string, string> Deployments() =>
        File.ReadAllText(Repository.File("deploy", "kubernetes", "grump-hyper.yaml")).Split("\n---\n")
            .Where(d => d.Contains("kind: Deployment", StringComparison.Ordinal))
            .ToDictionary(d => MetadataName().Match(d).Groups[1].Value);

    [GeneratedRegex(@"metadata:\n  name: (\S+)")]
    private static partial Regex MetadataName();
}
