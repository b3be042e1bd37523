using Grump.Hyper.Api.Distribution;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Engine.Caching;
using Grump.Hyper.Engine.Pipeline;
using Hangfire;
using Hangfire.Server;

namespace Grump.Hyper.Api.Jobs;

/// <summary>
/// The fan-in of a fanned-out compile: gathers every shard's modules in the project's order, links, plans,
/// splits, writes the artifacts and finishes the job, then drops the fan-out state. A second run finds
/// the job finished and does nothing.
/// </summary>
[AutomaticRetry(Attempts = JobAttempts.Retries, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
public sealed class LinkJob(IJobRecords records, ShardStore shards, HyperCompiler compiler, JobFinisher finisher,
    Microsoft.Extensions.Options.IOptions<Configuration.HyperApiOptions> options)
{
    public const string Queue = "link";

    [JobName("link")]
    public async Task RunAsync(string jobId, PerformContext? context, CancellationToken cancellationToken)
    {
        var job = await finisher.WhileRunningAsync(jobId, j => j with { Stage = "link" });
        if (job is null)
        {
            return;
        }

        try
        {
            var linkStarted = DateTimeOffset.UtcNow;
            var plan = await shards.GetPlanAsync(jobId) ?? throw new InvalidOperationException($"The shard plan of job {jobId} is gone.");
            var (outputs, runs) = await shards.GetOutputsAsync(jobId);
            var modules = new ModuleResult[plan.ShardFiles.Sum()];
            for (var shard = 0; shard < plan.ShardCount; shard++)
            {
                var spec = await shards.GetShardAsync(jobId, shard) ?? throw new InvalidOperationException($"Shard {shard} of job {jobId} is not in its plan.");
                var decoded = outputs.TryGetValue(shard, out var bytes) ? ModuleCodec.DecodeMany(bytes) : null;
                if (decoded is not { } list || list.Length != spec.Positions.Length)
                {
                    throw new InvalidOperationException($"Shard {shard} of job {jobId} has no readable output.");
                }

                for (var i = 0; i < list.Length; i++)
                {
                    modules[spec.Positions[i]] = list[i];
                }
            }

            var manifest = await records.GetManifestAsync(jobId, cancellationToken) ?? throw new InvalidDataException($"Job {jobId} has no project manifest.");
            var project = manifest.Describe(); // the link reads addresses and sizes, never a source's bytes
            var distribution = new DistributionMetrics(plan.ShardCount, Math.Round(plan.PlanMilliseconds, 3), Math.Round((linkStarted - plan.PlannedAt).TotalMilliseconds, 3),
                [.. runs.OrderBy(r => r.Key).Select(r => r.Value)]);
            var result = compiler.Link(project, modules, distribution, HyperOptions.Default with { Tier = CompileTier.Insane, ProjectKey = job.Tenant, DocumentBlocks = options.Value.DocumentBlocks });
            await finisher.SucceedAsync(jobId, result);
            await shards.DeleteAsync(jobId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !JobAttempts.WillRetry(ex, context))
        {
            await finisher.FailAsync(jobId, ex);
        }
    }
}
