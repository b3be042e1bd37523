using Hangfire.AspNetCore;
using Hangfire.Logging;

namespace Grump.Hyper.Api.Jobs;

/// <summary>
/// Hangfire keeps one log provider for the whole process. When several hosts share a process (tests) and
/// one stops, its logger factory is disposed under the others; this provider then drops the message
/// instead of failing the job that tried to log.
/// </summary>
internal sealed class ResilientLogProvider(ILoggerFactory loggerFactory) : ILogProvider
{
    private readonly AspNetCoreLogProvider _inner = new(loggerFactory);

    public ILog GetLogger(string name)
    {
        try
        {
            return new ResilientLog(_inner.GetLogger(name));
        }
        catch (ObjectDisposedException)
        {
            return new ResilientLog(null);
        }
    }

    private sealed class ResilientLog(ILog? inner) : ILog
    {
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            try
            {
                return inner?.Log(logLevel, messageFunc, exception) ?? false;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
