using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Grump.Hyper.Api.Tests.Infrastructure;

/// <summary>
/// The real service in process, on its embedded defaults (in-memory Hangfire, a data folder of its own),
/// or on a Redis connection string when one is given.
/// </summary>
public sealed class HyperApiFactory : WebApplicationFactory<Program>
{
    public HyperApiFactory() => DataPath = Directory.CreateTempSubdirectory("grump-api-").FullName;

    /// <summary>A Redis connection string for Hangfire and the job store; null runs on embedded defaults.</summary>
    public string? Redis { get; init; }

    /// <summary>Extra configuration, applied last.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    public string DataPath { get; }

    /// <summary>Replaces services after the app's own registrations (fault injection).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // The environment `dotnet run` gives (launchSettings): Development validates the container at start,
        // so a registration that only works in another environment fails here, not in a user's first command.
        builder.UseEnvironment("Development");
        builder.UseSetting("Logging:LogLevel:Default", "Error");
        builder.UseSetting("Logging:LogLevel:Hangfire", "Error");
        builder.UseSetting("Logging:Console:FormatterName", "simple");
        builder.UseSetting("Hyper:DataPath", DataPath);
        builder.UseSetting("Hyper:WorkerCount", "2");
        builder.UseSetting("ConnectionStrings:Hangfire", Redis ?? string.Empty);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        if (ConfigureServices is not null)
        {
            builder.ConfigureTestServices(ConfigureServices);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(DataPath))
        {
            Directory.Delete(DataPath, recursive: true);
        }
    }

    /// <summary>Every file the service has written under its data folder (temporary files excluded).</summary>
    public IReadOnlyList<string> StoredFiles() =>
        Directory.Exists(DataPath)
            ? [.. Directory.EnumerateFiles(DataPath, "*", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}tmp{Path.DirectorySeparatorChar}", StringComparison.Ordinal))]
            : [];
}
