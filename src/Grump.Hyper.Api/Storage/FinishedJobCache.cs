using System.Collections.Concurrent;

namespace Grump.Hyper.Api.Storage;

/// <summary>
/// Finished jobs never change (a finished job cannot be cancelled or restarted), so polls of them are
/// served from memory. Bounded in entries and age, so retention deletes are seen within a minute.
/// </summary>
internal sealed class FinishedJobCache
{
    private const int MaxEntries = 10_000;
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (JobRecord Job, long At)> _entries = new(StringComparer.Ordinal);

    public bool TryGet(string id, out JobRecord job)
    {
        if (_entries.TryGetValue(id, out var entry) && Environment.TickCount64 - entry.At < MaxAge.TotalMilliseconds)
        {
            job = entry.Job;
            return true;
        }

        job = null!;
        return false;
    }

    public void Forget(string id) => _entries.TryRemove(id, out _);

    public JobRecord? Remember(JobRecord? job)
    {
        if (job is not null && JobStatus.IsFinished(job.Status))
        {
            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }

            _entries[job.Id] = (job, Environment.TickCount64);
        }

        return job;
    }
}
