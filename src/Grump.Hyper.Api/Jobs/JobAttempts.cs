using Hangfire.Server;

namespace Grump.Hyper.Api.Jobs;

/// <summary>
/// One rule for every job that works on a job record (compile, shard, link): a storage hiccup is retried by
/// Hangfire up to <see cref="Retries"/> times, and the last attempt ends the job as failed whatever the
/// error, so an error that survives the retries never leaves the record running.
/// </summary>
public static class JobAttempts
{
    /// <summary>The <c>AutomaticRetry</c> attempts of those jobs (attributes need a constant).</summary>
    public const int Retries = 3;

    /// <summary>True when Hangfire will run this job again if it throws <paramref name="ex"/>.</summary>
    public static bool WillRetry(Exception ex, PerformContext? context) =>
        JobFinisher.IsTransient(ex) && context is not null && context.GetJobParameter<int>("RetryCount") < Retries;
}
