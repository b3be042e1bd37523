using System.CommandLine;
using Grump.Hyper.Engine.Pipeline;

namespace Grump.Hyper.Cli;

/// <summary>
/// The <c>grump-hyper</c> command line: <c>compile</c> on this machine, and <c>submit</c>, <c>status</c>,
/// <c>result</c>, <c>artifacts</c>, <c>cancel</c> against a service. Parsing, help and <c>--version</c> are
/// System.CommandLine's; the exit codes are the product's (below), the same for every command.
/// </summary>
public static class CliApp
{
    /// <summary>Compiled (or the job succeeded) with no error diagnostics.</summary>
    public const int Ok = 0;

    /// <summary>Compiled, with error diagnostics.</summary>
    public const int CompileErrors = 1;

    /// <summary>Bad usage or unreadable input: nothing was compiled.</summary>
    public const int Usage = 2;

    /// <summary>The service could not be reached, refused the request, failed the job, or the wait timed out.</summary>
    public const int ServiceFailure = 3;

    /// <summary>Where the API key is read from: never a command-line argument, which other users of the machine can see.</summary>
    public const string ApiKeyVariable = "GRUMP_HYPER_API_KEY";

    /// <summary>The service's address when <c>--url</c> is not given.</summary>
    public const string UrlVariable = "GRUMP_HYPER_URL";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => RunAsync(args, stdout, stderr).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("Grump Hyper: compiles .intent projects, here or on a Grump Hyper service.")
        {
            CompileCommand.Create(stdout, stderr),
            ServiceCommands.Submit(stdout, stderr),
            ServiceCommands.Status(stdout, stderr),
            ServiceCommands.Result(stdout, stderr),
            ServiceCommands.Artifacts(stdout, stderr),
            ServiceCommands.Cancel(stdout, stderr),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await stderr.WriteLineAsync($"grump-hyper: {error.Message}");
            }

            await stderr.WriteLineAsync("Run 'grump-hyper --help' (or '<command> --help') for usage.");
            return Usage;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken);
    }

    /// <summary>The <c>--tier</c> option: one of the engine's tier names (anything else is a usage error), balanced by default.</summary>
    internal static Option<string> TierNameOption()
    {
        var names = Enum.GetValues<CompileTier>().Select(t => t.Name()).ToArray();
        var option = new Option<string>("--tier") { Description = "How hard the compiler works; the artifacts are the same", DefaultValueFactory = _ => CompileTiers.Default.Name() };
        option.AcceptOnlyFromAmong(names);
        return option;
    }

    internal static CompileTier Tier(string name) => CompileTiers.TryParse(name, out var tier) ? tier : CompileTiers.Default;
}
