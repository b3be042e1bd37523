using System.Collections.Immutable;

namespace Grump.Hyper.Compiler.Modules;

/// <summary>Actions a feature can ask for: build, migrate, remove, integrate, configure, deploy, refactor, test (verbs.txt).</summary>
public static class FeatureActions
{
    public const string Build = "build";
}

public sealed record FeatureInfo(string Name, string Action, bool Negated, int Priority, double Confidence, int Line, string MatchedAs);

public sealed record TechInfo(string Canonical, string MatchedAs, string Category, bool Negated, double Confidence, int Line);

public sealed record DataFlowInfo(string Kind, string MatchedAs, int Line);

public sealed record FeatureDependency(string From, string To, string Reason);

public sealed record SentenceInfo(int Index, int Line, string Text, ImmutableArray<string> Features, ImmutableArray<string> Tech);

/// <summary>What the English body says, extracted deterministically.</summary>
public sealed record IntentExtraction(
    ImmutableArray<string> Actors,
    ImmutableArray<FeatureInfo> Features,
    ImmutableArray<TechInfo> Tech,
    ImmutableArray<DataFlowInfo> DataFlows,
    string ProjectType,
    string Architecture,
    double Complexity,
    double Confidence,
    ImmutableArray<FeatureDependency> Dependencies,
    ImmutableArray<SentenceInfo> Sentences);

/// <summary>A source location kept for link-time diagnostics; not part of the module's JSON.</summary>
public readonly record struct SourceLocation(int Line, int Column);

/// <summary>One compiled <c>.intent</c> file: the contents of <c>modules/&lt;id&gt;.json</c>.</summary>
public sealed record CompiledModule
{
    public required string Id { get; init; }
    public required string Path { get; init; }
    public required string Sha256 { get; init; }
    public required long Bytes { get; init; }
    public string? Title { get; init; }
    public string? Route { get; init; }
    public bool Lazy { get; init; }
    public int Priority { get; init; }
    public bool Vendor { get; init; }
    public ImmutableArray<string> Tags { get; init; } = [];
    public ImmutableArray<string> Depends { get; init; } = [];
    public ImmutableArray<string> Actors { get; init; } = [];
    public ImmutableArray<FeatureInfo> Features { get; init; } = [];
    public ImmutableArray<TechInfo> Tech { get; init; } = [];
    public ImmutableArray<DataFlowInfo> DataFlows { get; init; } = [];
    public required string ProjectType { get; init; }
    public required string Architecture { get; init; }
    public double Complexity { get; init; }
    public double Confidence { get; init; }
    public ImmutableArray<FeatureDependency> Dependencies { get; init; } = [];
    public ImmutableArray<SentenceInfo> Sentences { get; init; } = [];

    /// <summary>Where the id, route and each dependency were written, for link diagnostics.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ModuleLocations Locations { get; init; } = ModuleLocations.None;
}

public sealed record ModuleLocations(SourceLocation Id, SourceLocation Route, ImmutableArray<SourceLocation> Depends)
{
    public static ModuleLocations None { get; } = new(new(1, 1), new(1, 1), []);
}
