namespace Grump.Hyper.Api.Tests.Infrastructure;

/// <summary>The shared Redis is an assembly fixture of the API tests: started once, stopped at the end.</summary>
public sealed class RedisFixture : RedisServer, IAsyncLifetime
{
    ValueTask IAsyncLifetime.InitializeAsync() => StartAsync();
}
