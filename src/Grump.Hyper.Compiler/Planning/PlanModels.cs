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
/// <remarks>
/// Its lists are read-only views: the incremental planner hands out its paged lists, shared with the plans of the
/// builds before and after wherever an edit left them alone, instead of arrays of every task made again per build.
/// </remarks>
public sealed record Plan(
    IReadOnlyList<PlanTask> Tasks,
    IReadOnlyList<string> ExecutionOrder,
    IReadOnlyList<IReadOnlyList<string>> ParallelBatches,
    CriticalPath CriticalPath,
    int EstimatedDurationSeconds,
    int SequentialSeconds,
    RiskSummary Risk)
{
    /// <summary>The same tasks in ordinal id order (what graph.json lists); not part of plan.json.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<PlanTask> TasksById
    {
        get => _byId ??= [.. Tasks.OrderBy(t => t.Id, StringComparer.Ordinal)];
        init => _byId = value;
    }

    private IReadOnlyList<PlanTask>? _byId;

    /// <summary>
    /// Rendered lines that travel with the plan, by position: the incremental planner moves them along with
    /// its tasks (a kept task keeps its line), so the emitter finds a kept task's line where it sits instead of
    /// looking it up. Null from the whole-project planner; not part of plan.json.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    internal PlanLines? Lines { get; init; }
}

/// <summary>
/// Line slots aligned with <see cref="Plan.Tasks"/> and <see cref="Plan.ExecutionOrder"/> (the order's entries),
/// <see cref="Plan.TasksById"/> (the id order's) and <see cref="Plan.ParallelBatches"/>; an empty slot is rendered
/// and filled by the emitter.
/// </summary>
internal sealed record PlanLines(PagedList<IncrementalPlanner.OrderEntry> Order, PagedList<IncrementalPlanner.IdEntry> ById, Emit.BatchLine?[] Batches);
