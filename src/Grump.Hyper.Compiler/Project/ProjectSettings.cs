using System.Collections.Immutable;
using System.Text.Json;

namespace Grump.Hyper.Compiler.Project;

/// <summary>How the output is split into chunks (names and defaults follow webpack's SplitChunks).</summary>
public sealed record SplitSettings(int MinChunkBytes, int MaxInitialChunks, int MaxAsyncChunks)
{
    public static SplitSettings Default { get; } = new(20_000, 30, 30);
}

/// <summary>The project file, <c>grump.json</c>, with defaults for everything it leaves out.</summary>
public sealed record ProjectSettings
{
    public const string FileName = "grump.json";

    public static ProjectSettings Default { get; } = new();

    public string? Name { get; init; }

    public ImmutableArray<Glob> Include { get; init; } = [DefaultInclude];

    public ImmutableArray<Glob> Exclude { get; init; } = [];

    public ImmutableArray<Glob> Vendor { get; init; } = [];

    /// <summary>Echoed into the manifest as written.</summary>
    public JsonElement? Constraints { get; init; }

    public SplitSettings Split { get; init; } = SplitSettings.Default;

    private static Glob DefaultInclude => Glob.TryCreate("**/*.intent", out var g) ? g! : throw new InvalidOperationException();
}
