using System.Collections.Immutable;

namespace Grump.Hyper.Compiler.Modules;

/// <summary>Actions a feature can ask for: build, migrate, remove, integrate, configure, deploy, refactor, test (verbs.txt).</summary>
public static class FeatureActions
{
    public const string Build = "build";

    public const string Remove = "remove";
}

/// <summary>
/// Where a technology or feature stands: <c>wanted</c>; <c>negated</c>, ruled out ("no Kafka"); or <c>removed</c>, in
/// use today and to go ("retire Memcached"). <c>Negated</c> on a mention is true for both of the latter (it is not
/// part of what the module will have), so readers of that flag alone stay right.
/// </summary>
public static class MentionStatus
{
    public const string Wanted = "wanted";
    public const string Negated = "negated";
    public const string Removed = "removed";
}

/// <param name="Status">See <see cref="MentionStatus"/>; a removed feature still gets a task: its removal.</param>
public sealed record FeatureInfo(string Name, string Action, bool Negated, int Priority, double Confidence, int Line, string MatchedAs, string Status = MentionStatus.Wanted)
{
    /// <summary>Work on it is planned: wanted, or removed (the work is taking it out). Not written: it follows from the rest.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Planned => !Negated || Status == MentionStatus.Removed;
}

/// <param name="Status">See <see cref="MentionStatus"/>.</param>
/// <param name="ReplacedBy">For a removed technology, what replaces it when the text says ("swap Angular for Svelte").</param>
public sealed record TechInfo(string Canonical, string MatchedAs, string Category, bool Negated, double Confidence, int Line, string Status = MentionStatus.Wanted, string? ReplacedBy = null);

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

/// <summary>
/// One compiled <c>.intent</c> file as users read it: the contents of <c>modules/&lt;id&gt;.json</c>. It lives only
/// while it is rendered; what later steps keep of it is the much smaller <see cref="CompiledModule"/>.
/// </summary>
public sealed record ModuleDocument
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
}

/// <summary>
/// What the steps after the compile (link, plan, split, emit) read of a module: its header interface, its
/// features, tech and feature dependencies. The sentences, actors, data flows and scores stay in the rendered
/// JSON only, so a project of 100,000 modules does not keep 100,000 object graphs of its English alive. Read
/// back from that JSON too (unknown members are skipped), as the L2 cache and the shards do.
/// </summary>
public sealed record CompiledModule
{
    public required string Id { get; init; }
    public required string Path { get; init; }
    public required string Sha256 { get; init; }
    public required long Bytes { get; init; }
    public string? Route { get; init; }
    public bool Lazy { get; init; }
    public int Priority { get; init; }
    public bool Vendor { get; init; }
    public ImmutableArray<string> Depends { get; init; } = [];
    public ImmutableArray<FeatureInfo> Features { get; init; } = [];
    public ImmutableArray<TechInfo> Tech { get; init; } = [];
    public ImmutableArray<FeatureDependency> Dependencies { get; init; } = [];

    /// <summary>Where the id, route and each dependency were written, for link diagnostics.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ModuleLocations Locations { get; init; } = ModuleLocations.None;

    /// <summary>The record kept of <paramref name="document"/> once it is rendered.</summary>
    public static CompiledModule Of(ModuleDocument document, ModuleLocations locations) => new()
    {
        Id = document.Id,
        Path = document.Path,
        Sha256 = document.Sha256,
        Bytes = document.Bytes,
        Route = document.Route,
        Lazy = document.Lazy,
        Priority = document.Priority,
        Vendor = document.Vendor,
        Depends = document.Depends,
        Features = document.Features,
        Tech = document.Tech,
        Dependencies = document.Dependencies,
        Locations = locations,
    };
}

public sealed record ModuleLocations(SourceLocation Id, SourceLocation Route, ImmutableArray<SourceLocation> Depends)
{
    public static ModuleLocations None { get; } = new(new(1, 1), new(1, 1), []);
}
