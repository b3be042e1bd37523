using System.Collections.Immutable;

namespace Grump.Hyper.Compiler.Syntax;

/// <summary>A header value with the offset it was written at, so later stages can point at it.</summary>
public readonly record struct HeaderItem(string Value, int Offset);

/// <summary>The typed header of an intent file; absent keys keep their defaults.</summary>
public sealed record IntentHeader
{
    public const int DefaultPriority = 3;

    public static IntentHeader Empty { get; } = new();

    public HeaderItem? Id { get; init; }

    public string? Title { get; init; }

    public ImmutableArray<string> Actors { get; init; } = [];

    public HeaderItem? Route { get; init; }

    public ImmutableArray<HeaderItem> Depends { get; init; } = [];

    public bool Lazy { get; init; }

    public int Priority { get; init; } = DefaultPriority;

    public ImmutableArray<string> Tags { get; init; } = [];
}
