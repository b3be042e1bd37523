using Grump.Hyper.Api.Storage;

namespace Grump.Hyper.Api.Endpoints;

public sealed record JobProgress(int FilesTotal, int FilesDone, string Stage);

public sealed record DiagnosticSummary(int Errors, int Warnings);

public sealed record JobLinks(string Self, string Result, string Artifacts);

/// <summary>A job as clients see it.</summary>
public sealed record JobView(
    string Id,
    string Status,
    string Tier,
    string? Label,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    JobProgress Progress,
    bool? Success,
    DiagnosticSummary Diagnostics,
    Contract.CompileMetrics? Metrics,
    string? FailureReason,
    JobLinks Links)
{
    public static JobView From(JobRecord job) => new(
        job.Id,
        job.Status,
        job.Tier,
        job.Label,
        job.CreatedAt,
        job.StartedAt,
        job.FinishedAt,
        new JobProgress(job.FilesTotal, job.FilesDone, job.Stage),
        job.Success,
        new DiagnosticSummary(job.Errors, job.Warnings),
        job.Metrics is { } metrics ? Contract.ContractMapping.Of(metrics) : null,
        job.FailureReason,
        new JobLinks($"/jobs/{job.Id}", $"/jobs/{job.Id}/result", $"/jobs/{job.Id}/artifacts"));
}

/// <summary>Everything a finished compile produced, in one document: the manifest, plan, diagnostics and every module.</summary>
public sealed record JobResult(
    string Id,
    bool Success,
    Contract.Manifest Manifest,
    Contract.Plan Plan,
    IReadOnlyList<Contract.DiagnosticEntry> Diagnostics,
    IReadOnlyList<Contract.CompiledModule> Modules);
