using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Engine.Pipeline;
using Grump.Hyper.Engine.Sharding;

namespace Grump.Hyper.Api.Distribution;

/// <summary>A fanned-out compile as planned: when, how many shards, how the planners scored, and the shards' Hangfire jobs.</summary>
public sealed record FanOutRecord(string JobId, DateTimeOffset PlannedAt, double PlanMilliseconds, ImmutableArray<int> ShardFiles, ImmutableArray<ShardScore> Scores)
{
    public int ShardCount => ShardFiles.Length;

    public ImmutableArray<string> HangfireIds { get; init; } = [];
}

/// <summary>
/// One shard's work: its files as the project manifest names them (path, content address, role) and their
/// positions in the project's sources (where the link step puts their modules).
/// </summary>
public sealed record ShardSpec(int Index, ImmutableArray<Grump.Hyper.Compiler.Project.ProjectInput> Files, ImmutableArray<int> Positions);

/// <summary>The fan-out records as JSON in Redis (source-generated, no reflection).</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(FanOutRecord))]
[JsonSerializable(typeof(ShardSpec))]
[JsonSerializable(typeof(ShardRun))]
internal sealed partial class FanOutJson : JsonSerializerContext;
