using Grump.Hyper.Api.Jobs;

namespace Grump.Hyper.Api.Tests;

/// <summary>The progress a compile reports: never a blocked compile thread, one write at a time, failures dropped.</summary>
public sealed class ProgressWriterTests
{
    [Fact]
    public async Task A_slow_write_never_holds_the_reporting_thread_and_no_second_write_starts_meanwhile()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new List<int>();
        var writer = new ProgressWriter(TimeSpan.Zero, async done =>
        {
            lock (started)
            {
                started.Add(done);
            }

            await release.Task;
        });

        writer.Report(64); // returns although the write waits for the store
        await Poll.UntilAsync(() => { lock (started) { return started.Count == 1; } }, TimeSpan.FromSeconds(10), () => "the first write never started", TestContext.Current.CancellationToken);
        writer.Report(128); // one in flight already: dropped, not queued
        Assert.False(writer.DrainAsync().IsCompleted);

        release.SetResult();
        await writer.DrainAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        writer.Report(192);
        await writer.DrainAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        lock (started)
        {
            Assert.Equal([64, 192], started);
        }
    }

    [Fact]
    public async Task A_failed_write_is_dropped_and_the_next_report_writes_again()
    {
        var calls = 0;
        var writer = new ProgressWriter(TimeSpan.Zero, done => Interlocked.Increment(ref calls) == 1 ? throw new IOException("store down") : Task.CompletedTask);
        writer.Report(1);
        await writer.DrainAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        writer.Report(2);
        await writer.DrainAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Reports_within_the_interval_are_dropped()
    {
        var calls = 0;
        var writer = new ProgressWriter(TimeSpan.FromHours(1), _ => { Interlocked.Increment(ref calls); return Task.CompletedTask; });
        for (var i = 0; i < 100; i++)
        {
            writer.Report(i);
            await writer.DrainAsync();
        }

        Assert.Equal(1, calls);
    }
}
