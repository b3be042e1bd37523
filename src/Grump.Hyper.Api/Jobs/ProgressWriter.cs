namespace Grump.Hyper.Api.Jobs;

/// <summary>
/// Takes the engine's progress calls (from any compile thread, every 64 files) and lets at most one write
/// through per interval, run off the compile thread, one at a time. A compile thread that blocked on the store
/// here was one core fewer for the compile, most of all in a fresh process. A write that fails is dropped:
/// progress is advisory, and the job's end is written (and fails loudly) by the job itself.
/// </summary>
public sealed class ProgressWriter(TimeSpan interval, Func<int, Task> write)
{
    private long _next;
    private int _writing;
    private Task _last = Task.CompletedTask;

    /// <summary>Never blocks: starts a write when the interval has passed and none is in flight.</summary>
    public void Report(int done)
    {
        var now = Environment.TickCount64;
        var next = Interlocked.Read(ref _next);
        if (now < next || Interlocked.CompareExchange(ref _next, now + (long)interval.TotalMilliseconds, next) != next
            || Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
        {
            return;
        }

        _last = Task.Run(async () =>
        {
            try
            {
                await write(done);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Dropped on purpose (see the summary); the next report tries again.
            }
            finally
            {
                Volatile.Write(ref _writing, 0);
            }
        });
    }

    /// <summary>Waits for the write in flight, if any, so that nothing lands after what the caller writes next.</summary>
    public Task DrainAsync() => Volatile.Read(ref _last);
}
