using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace Grump.Hyper.Api.Configuration;

/// <summary>HTTP concerns: problem details everywhere, request size limits, Swagger UI and the OpenAPI routes.</summary>
public static class HttpSetup
{
    public static IServiceCollection AddHyperHttp(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection($"{HyperApiOptions.Section}:Limits").Get<Grump.Hyper.Engine.Archives.ArchiveLimits>()
            ?? Grump.Hyper.Engine.Archives.ArchiveLimits.Default;
        var maxBody = limits.MaxArchiveBytes + Endpoints.CompileApi.MultipartOverhead;
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
            ctx.ProblemDetails.Extensions["traceId"] = Activity.Current?.Id ?? ctx.HttpContext.TraceIdentifier);
        services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = maxBody);
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = maxBody);
        return services;
    }

    public static WebApplication UseHyperHttp(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapOpenApi("/openapi/{documentName}.yaml");
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", "Grump Hyper v1");
            o.RoutePrefix = "swagger";
        });
        return app;
    }
}
