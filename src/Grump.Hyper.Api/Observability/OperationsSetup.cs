using Grump.Hyper.Api.Auth;
using Hangfire;
using Hangfire.Dashboard;
using OpenTelemetry.Metrics;

namespace Grump.Hyper.Api.Observability;

public sealed record VersionInfo(string Name, string Version, string Compiler, string Runtime);

/// <summary>Metrics, /version and the read-only Hangfire dashboard.</summary>
public static class OperationsSetup
{
    public static IServiceCollection AddHyperOperations(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ApiMetrics.MeterName, Grump.Hyper.Engine.Pipeline.EngineMetrics.MeterName)
            .AddPrometheusExporter());
        return services;
    }

    public static WebApplication MapHyperOperations(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/version", () => TypedResults.Ok(new VersionInfo(
                "grump-hyper",
                typeof(OperationsSetup).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
                Grump.Hyper.Compiler.CompilerInfo.Version,
                System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription)))
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
