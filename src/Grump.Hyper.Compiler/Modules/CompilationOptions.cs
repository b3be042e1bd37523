namespace Grump.Hyper.Compiler.Modules;

/// <summary>Options that change what the compiler produces; they are part of every cache key.</summary>
public sealed record CompilationOptions
{
    public static CompilationOptions Default { get; } = new();

    /// <summary>A larger source is reported (GH1011) and not compiled.</summary>
    public int MaxSourceBytes { get; init; } = 1024 * 1024;

    /// <summary>A short stable text of the options, for cache keys.</summary>
    public string Fingerprint => $"max={MaxSourceBytes}";
}
