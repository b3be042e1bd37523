using System.Diagnostics;

namespace Grump.Hyper.Testing;

/// <summary>What a command printed and how it ended.</summary>
public sealed record ToolResult(int ExitCode, string Output, string Errors)
{
    /// <summary>Both streams, for a failure message.</summary>
    public string All => Output + "\n" + Errors;
}

/// <summary>
/// Runs an external command a test needs (bash, chromium, node, npx) to its end within a deadline, reading
/// both streams; past the deadline or on cancellation the whole process tree is killed by its id.
/// </summary>
public static class ToolRun
{
    public static async Task<ToolResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? Repository.Root };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start (scripts/test.sh installs what the tests run)");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not end within {timeout.TotalSeconds:0} s");
        }

        return new ToolResult(process.ExitCode, await output, await errors);
    }
}
