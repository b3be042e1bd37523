using Grump.Hyper.Api.Auth;
using Hangfire;
using Hangfire.Dashboard;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Grump.Hyper.Api.Observability;

/// <param name="Commit">The source commit the service was built from (from the assembly's informational version), or null when unknown.</param>
public sealed record VersionInfo(string Name, string Version, string Compiler, string Runtime, string? Commit);

/// <summary>Metrics, /version and the read-only Hangfire dashboard.</summary>
public static class OperationsSetup
{
    public static IServiceCollection AddHyperOperations(this IServiceCollection services)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: Version, serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithMetrics(metrics => metrics
                .AddMeter(ApiMetrics.MeterName, Grump.Hyper.Engine.Pipeline.EngineMetrics.MeterName)
                .AddAspNetCoreInstrumentation() // http.server.request.duration and friends, by route and status
                .AddRuntimeInstrumentation() // GC, JIT, thread pool, exceptions
                .AddPrometheusExporter());
        return services;
    }

    public const string ServiceName = "grump-hyper";

    /// <summary>The service's version, without the commit.</summary>
    public static string Version => typeof(OperationsSetup).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>The commit the build came from: the SDK appends it to the informational version ("0.1.0+&lt;sha&gt;").</summary>
    public static string? Commit =>
        typeof(OperationsSetup).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false) is [System.Reflection.AssemblyInformationalVersionAttribute info]
        && info.InformationalVersion.IndexOf('+', StringComparison.Ordinal) is var plus and >= 0 ? info.InformationalVersion[(plus + 1)..] : null;

    /// <summary>What the service sends as its User-Agent (webhooks): product and version, so receivers can tell it apart.</summary>
    public static string UserAgent => $"{ServiceName}/{Version}";

    public static WebApplication MapHyperOperations(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/version", () => TypedResults.Ok(new VersionInfo(
                ServiceName,
                Version,
                Grump.Hyper.Compiler.CompilerInfo.Version,
                System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
                Commit)))
            .WithName("Version").WithTags("Operations").WithSummary("The service, compiler and runtime versions");

        // Touch the metrics service so its gauges exist before the first scrape.
        _ = app.Services.GetRequiredService<ApiMetrics>();
        app.UseHangfireDashboard("/hangfire", new DashboardOptions
        {
            IsReadOnlyFunc = _ => true,
            DisplayStorageConnectionString = false,
            AsyncAuthorization = [new AdminOnly(app.Services.GetRequiredService<TenantDirectory>())],
        }, app.Services.GetRequiredService<JobStorage>());
        return app;
    }

    /// <summary>The dashboard needs the admin key, except from loopback while the service runs open.</summary>
    private sealed class AdminOnly(TenantDirectory directory) : IDashboardAsyncAuthorizationFilter
    {
        public Task<bool> AuthorizeAsync(DashboardContext context)
        {
            var http = context.GetHttpContext();
            var remote = http.Connection.RemoteIpAddress;
            var loopback = remote is not null && System.Net.IPAddress.IsLoopback(remote);
            return Task.FromResult(directory.IsAdmin(http.Request) || (directory.IsOpen && loopback));
        }
    }
}
