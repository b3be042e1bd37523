using Grump.Hyper.Api.Storage;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Grump.Hyper.Api.Endpoints;

public sealed record HealthReport(string Status, string Version, IReadOnlyDictionary<string, string> Checks);

/// <summary>Liveness (the process answers) and readiness (storage and job queue are reachable).</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("").WithTags("Operations");
        health.MapGet("/healthz", () => TypedResults.Ok(new HealthReport("alive", Grump.Hyper.Compiler.CompilerInfo.Version, new Dictionary<string, string>())))
            .WithName("Healthz").WithSummary("Liveness: the process is running");
        health.MapGet("/readyz", ReadyAsync).WithName("Readyz")
            .WithSummary("Readiness: job storage and the Hangfire queue are reachable")
            .Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Results<Ok<HealthReport>, JsonHttpResult<HealthReport>>> ReadyAsync(IStorageBackend backend, JobStorage hangfire, CancellationToken cancellationToken)
    {
        var checks = new Dictionary<string, string>();
        var storeOk = await backend.PingAsync(cancellationToken);
        checks["store"] = storeOk ? $"ok ({backend.Kind})" : $"unreachable ({backend.Kind})";
        bool queueOk;
        try
        {
            using var connection = hangfire.GetConnection();
            _ = connection.GetAllItemsFromSet("grump:readiness-probe");
            queueOk = true;
        }
        catch (Exception)
        {
            queueOk = false;
        }

        checks["queue"] = queueOk ? $"ok ({hangfire.GetType().Name})" : "unreachable";
        var report = new HealthReport(storeOk && queueOk ? "ready" : "degraded", Grump.Hyper.Compiler.CompilerInfo.Version, checks);
        return storeOk && queueOk ? TypedResults.Ok(report) : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
