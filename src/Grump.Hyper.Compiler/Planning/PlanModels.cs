using System.Collections.Immutable;

namespace Grump.Hyper.Compiler.Planning;

public sealed record PlanTask(
    string Id,
    string Module,
    string Feature,
    string Action,
    string Description,
    int Priority,
    string Risk,
    ImmutableArray<string> Tools,
    int EstimatedSeconds,
    ImmutableArray<string> DependsOn,
    int Batch);

public sealed record RiskSummary(string Level, int Safe, int Moderate, int Risky, ImmutableArray<string> RiskFactors, bool AutoApprovable);

public sealed record CriticalPath(ImmutableArray<string> Tasks, int EstimatedSeconds);

/// <summary>The contents of <c>plan.json</c>.</summary>
public sealed record Plan(
    ImmutableArray<PlanTask> Tasks,
    ImmutableArray<string> ExecutionOrder,
    ImmutableArray<ImmutableArray<string>> ParallelBatches,
    CriticalPath CriticalPath,
    int EstimatedDurationSeconds,
    int SequentialSeconds,
    RiskSummary Risk)
{
    /// <summary>The same tasks in ordinal id order (what graph.json lists); not part of plan.json.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ImmutableArray<PlanTask> TasksById
    {
        get => _byId.IsDefault ? _byId = [.. Tasks.OrderBy(t => t.Id, StringComparer.Ordinal)] : _byId;
        init => _byId = value;
    }

    private ImmutableArray<PlanTask> _byId;

    /// <summary>
    /// Rendered lines that travel with the plan, by position: the incremental planner moves them along with
    /// its tasks (a kept task keeps its line), so the emitter finds a kept task's line where it sits instead of
    /// looking it up. Null from the whole-project planner; not part of plan.json.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    internal PlanLines? Lines { get; init; }
}

/// <summary>Line slots aligned with <see cref="Plan.Tasks"/>, <see cref="Plan.TasksById"/> and <see cref="Plan.ParallelBatches"/>; an empty slot is rendered and filled by the emitter.</summary>
internal sealed record PlanLines(byte[]?[] Tasks, byte[]?[] Features, byte[]?[] Batches, byte[]?[] Ids);
