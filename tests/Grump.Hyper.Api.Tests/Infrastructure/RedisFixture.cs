namespace Grump.Hyper.Testing;

/// <summary>The shared Redis is an assembly fixture of the API tests: started once, stopped at the end.</summary>
public sealed partial class RedisServer : IAsyncLifetime
{
    ValueTask IAsyncLifetime.InitializeAsync() => StartAsync();
}
