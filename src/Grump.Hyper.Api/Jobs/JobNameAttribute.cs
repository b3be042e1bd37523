using Grump.Hyper.Api.Storage;
using Hangfire;
using Hangfire.Common;
using Hangfire.Dashboard;

namespace Grump.Hyper.Api.Jobs;

/// <summary>
/// How a Hangfire job shows in the dashboard: the step and the Grump job it works for, with that job's label
/// ("compile 01a2… (nightly)"), instead of the method's name. The label is read from the job record when the
/// dashboard renders the row: it is not a job argument, so jobs already queued keep their signature.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class JobNameAttribute : JobDisplayNameAttribute
{
    public JobNameAttribute(string step)
        : base(step)
    {
    }

    public override string Format(DashboardContext context, Job job)
    {
        var step = DisplayName;
        if (job.Args is not [string jobId, ..])
        {
            return step;
        }

        var shard = job.Args is [_, int index, ..] ? $" shard {index}" : string.Empty;
        var records = context.GetHttpContext().RequestServices.GetService<IJobRecords>();
        // The dashboard renders synchronously; one record read per row of a bounded page.
        var label = records?.GetAsync(jobId, CancellationToken.None).GetAwaiter().GetResult()?.Label;
        return label is null ? $"{step} {jobId}{shard}" : $"{step} {jobId}{shard} ({label})";
    }
}
