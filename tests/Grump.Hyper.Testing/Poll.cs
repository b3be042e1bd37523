namespace Grump.Hyper.Testing;

/// <summary>
/// The one way tests wait for what another thread or process does: read, check, and again after a
/// short pause until a deadline, then fail naming what was last seen. Never a sleep standing in for
/// synchronisation. (Shared with the benchmarks, so it throws rather than calling a test framework.)
/// </summary>
public static class Poll
{
    /// <summary>Reads until <paramref name="done"/> holds; returns the value that made it hold.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, Func<T, string> failure, CancellationToken cancellationToken, int everyMilliseconds = 50)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(failure(value));
            }

            await Task.Delay(everyMilliseconds, cancellationToken);
        }
    }

    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure, CancellationToken cancellationToken, int everyMilliseconds = 50) =>
        UntilAsync(condition, holds => holds, timeout, _ => failure(), cancellationToken, everyMilliseconds);

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> failure, CancellationToken cancellationToken, int everyMilliseconds = 20) =>
        UntilAsync(() => Task.FromResult(condition()), holds => holds, timeout, _ => failure(), cancellationToken, everyMilliseconds);
}
