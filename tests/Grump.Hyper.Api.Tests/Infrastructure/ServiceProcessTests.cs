namespace Grump.Hyper.Api.Tests.Infrastructure;

/// <summary>
/// A test class that talks to the service as a process of its own over real HTTP on loopback, with a temp folder
/// of its own: the process is started before the class's tests and stopped by its id after them.
/// </summary>
public abstract class ServiceProcessTests(string tempPrefix) : IAsyncLifetime
{
    private HyperProcess? _api;

    protected TempFolder Temp { get; } = new(tempPrefix);

    /// <summary>The running service (started in <see cref="InitializeAsync"/>).</summary>
    protected HyperProcess Api => _api ?? throw new InvalidOperationException("The service is not started yet.");

    /// <summary>How the service starts: an API process on its embedded defaults unless a class says otherwise.</summary>
    protected virtual Task<HyperProcess> StartAsync() => HyperProcess.StartApiAsync(new Dictionary<string, string>());

    public async ValueTask InitializeAsync() => _api = await StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
