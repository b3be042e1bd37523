using Grump.Hyper.Engine.Archives;
using Grump.Hyper.Engine.Pipeline;
using Grump.Hyper.Engine.Projects;

namespace Grump.Hyper.Cli;

/// <summary>
/// <c>grump-hyper compile &lt;folder|archive&gt; --out &lt;folder&gt; [--tier T]</c>. Exit codes: 0 compiled
/// cleanly, 1 compiled with error diagnostics, 2 bad usage or unreadable input.
/// </summary>
public static class CliApp
{
    public const int Ok = 0;
    public const int CompileErrors = 1;
    public const int Usage = 2;

    private const string UsageText = """
        usage: grump-hyper compile <folder|archive> --out <folder> [--tier conservative|balanced|aggressive|insane]
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? stderr : stdout).WriteLine(UsageText);
            return args.Length == 0 ? Usage : Ok;
        }

        if (args[0] != "compile")
        {
            stderr.WriteLine($"grump-hyper: unknown command '{args[0]}'");
            stderr.WriteLine(UsageText);
            return Usage;
        }

        string? input = null, output = null;
        var tier = CompileTiers.Default;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out" or "-o" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                case "--tier" when i + 1 < args.Length:
                    if (!CompileTiers.TryParse(args[++i], out tier))
                    {
                        stderr.WriteLine($"grump-hyper: unknown tier '{args[i]}'");
                        return Usage;
                    }

                    break;
                default:
                    if (args[i].StartsWith('-') || input is not null)
                    {
                        stderr.WriteLine($"grump-hyper: unexpected argument '{args[i]}'");
                        stderr.WriteLine(UsageText);
                        return Usage;
                    }

                    input = args[i];
                    break;
            }
        }

        if (input is null || output is null)
        {
            stderr.WriteLine(UsageText);
            return Usage;
        }

        if (!Directory.Exists(input) && !File.Exists(input))
        {
            stderr.WriteLine($"grump-hyper: {input}: no such file or folder");
            return Usage;
        }

        ArchiveReadResult loaded;
        try
        {
            loaded = ProjectSources.Load(input, ArchiveLimits.LocalProject); // a local project, not an upload
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"grump-hyper: {input}: {ex.Message}");
            return Usage;
        }

        if (!loaded.IsSuccess)
        {
            stderr.WriteLine($"grump-hyper: {input}: {loaded.Error!.Detail} ({loaded.Error.Code})");
            return Usage;
        }

        if (File.Exists(output))
        {
            stderr.WriteLine($"grump-hyper: --out {output}: is a file; give a folder (it is created if missing)");
            return Usage;
        }

        HyperResult result;
        try
        {
            result = new HyperCompiler().Compile(loaded.Files!, HyperOptions.Default with { Tier = tier });
        }
        catch (Exception ex)
        {
            // The compiler reports bad input as diagnostics; anything thrown is a bug, said plainly rather than a crash.
            stderr.WriteLine($"grump-hyper: internal error while compiling {input}: {ex.GetType().Name}: {ex.Message}");
            return Usage;
        }

        try
        {
            ArtifactWriter.ReplaceIn(result.Artifacts, output);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"grump-hyper: --out {output}: cannot write there: {ex.Message}");
            return Usage;
        }

        foreach (var diagnostic in result.Compilation.Diagnostics)
        {
            stderr.WriteLine(diagnostic.ToString());
        }

        var counts = Grump.Hyper.Compiler.Emit.ArtifactEmitter.Count(result.Compilation.Diagnostics);
        stdout.WriteLine($"grump-hyper: {result.Metrics.Modules} modules, {counts.Errors} errors, {counts.Warnings} warnings, {result.Artifacts.Count} artifacts in {output} ({result.Metrics.TotalMilliseconds:0.#} ms, tier {result.Metrics.Tier})");
        return result.Compilation.Success ? Ok : CompileErrors;
    }
}
