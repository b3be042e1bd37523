using System.CommandLine;
using Grump.Hyper.Engine.Archives;
using Grump.Hyper.Engine.Pipeline;
using Grump.Hyper.Engine.Projects;

namespace Grump.Hyper.Cli;

/// <summary><c>grump-hyper compile &lt;folder|archive&gt; --out &lt;folder&gt; [--tier T]</c>: the service's compile, on this machine.</summary>
internal static class CompileCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var input = new Argument<string>("input") { Description = "A project folder, or a .zip, .tar or .tar.gz of one" };
        var output = new Option<string>("--out", "-o") { Description = "Where the artifacts go: a new or empty folder, or a previous output (replaced)", Required = true };
        var tier = CliApp.TierNameOption();
        var command = new Command("compile", "Compile a project on this machine and write its artifacts") { input, output, tier };
        command.SetAction(parsed => Run(parsed.GetValue(input)!, parsed.GetValue(output)!, CliApp.Tier(parsed.GetValue(tier)!), stdout, stderr));
        return command;
    }

    private static int Run(string input, string output, CompileTier tier, TextWriter stdout, TextWriter stderr)
    {
        if (!Directory.Exists(input) && !File.Exists(input))
        {
            stderr.WriteLine($"grump-hyper: {input}: no such file or folder");
            return CliApp.Usage;
        }

        ArchiveReadResult loaded;
        try
        {
            loaded = ProjectSources.Load(input, ArchiveLimits.LocalProject); // a local project, not an upload
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"grump-hyper: {input}: {ex.Message}");
            return CliApp.Usage;
        }

        if (!loaded.IsSuccess)
        {
            stderr.WriteLine($"grump-hyper: {input}: {loaded.Error!.Detail} ({loaded.Error.Code})");
            return CliApp.Usage;
        }

        if (File.Exists(output))
        {
            stderr.WriteLine($"grump-hyper: --out {output}: is a file; give a folder (it is created if missing)");
            return CliApp.Usage;
        }

        HyperResult result;
        try
        {
            // One build per process: nothing after it could reuse the project's memo or the module cache, which only
            // cost a cold build (the benchmark's ablation: 15-26% each) and hold memory, so the CLI leaves both off.
            // The tier's parallelism stays, and the artifacts are the same with or without them.
            var profile = TierProfile.For(tier) with { Memo = false, Cache = false };
            result = new HyperCompiler().Compile(loaded.Files!, HyperOptions.Default with { Tier = tier, Profile = profile });
        }
        catch (Exception ex)
        {
            // The compiler reports bad input as diagnostics; anything thrown is a bug, said plainly rather than a crash.
            stderr.WriteLine($"grump-hyper: internal error while compiling {input}: {ex.GetType().Name}: {ex.Message}");
            return CliApp.Usage;
        }

        OutputChanges changes;
        try
        {
            changes = ArtifactWriter.ReplaceIn(result.Artifacts, output);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"grump-hyper: --out {output}: cannot write there: {ex.Message}");
            return CliApp.Usage;
        }

        foreach (var diagnostic in result.Compilation.Diagnostics)
        {
            stderr.WriteLine(diagnostic.ToString());
        }

        var counts = Grump.Hyper.Compiler.Emit.ArtifactEmitter.Count(result.Compilation.Diagnostics);
        stdout.WriteLine($"grump-hyper: {result.Metrics.Modules} modules, {counts.Errors} errors, {counts.Warnings} warnings, {result.Artifacts.Count} artifacts in {output} ({changes.Written} written, {changes.Unchanged} unchanged, {changes.Deleted} deleted; {result.Metrics.TotalMilliseconds:0.#} ms, tier {result.Metrics.Tier})");
        return result.Compilation.Success ? CliApp.Ok : CliApp.CompileErrors;
    }
}
