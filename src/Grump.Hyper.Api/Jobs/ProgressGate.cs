namespace Grump.Hyper.Api.Jobs;

/// <summary>
/// Lets at most one progress write (or status poll) through per interval, from any number of threads.
/// The engine reports every 64 files; a big job's record is large, so writing it that often costs more
/// than the compile it reports on.
/// </summary>
public sealed class ProgressGate(TimeSpan interval)
{
    private long _next;

    public bool TryEnter()
    {
        var now = Environment.TickCount64;
        var next = Interlocked.Read(ref _next);
        return now >= next && Interlocked.CompareExchange(ref _next, now + (long)interval.TotalMilliseconds, next) == next;
    }
}
