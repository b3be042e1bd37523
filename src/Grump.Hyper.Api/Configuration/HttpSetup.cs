using System.Diagnostics;
using System.Threading.RateLimiting;
using Grump.Hyper.Api.Auth;
using Grump.Hyper.Api.Problems;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;

namespace Grump.Hyper.Api.Configuration;

/// <summary>HTTP concerns: problem details everywhere, request size limits, Swagger UI and the OpenAPI routes.</summary>
public static class HttpSetup
{
    public const string SubmitPolicy = "submit";
    public const string ReadPolicy = "read";

    public static IServiceCollection AddHyperHttp(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection($"{HyperApiOptions.Section}:Limits").Get<Grump.Hyper.Engine.Archives.ArchiveLimits>()
            ?? Grump.Hyper.Engine.Archives.ArchiveLimits.Default;
        var maxBody = limits.MaxArchiveBytes + Endpoints.CompileApi.MultipartOverhead;
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Extensions["traceId"] = Activity.Current?.Id ?? ctx.HttpContext.TraceIdentifier;
            Problems.ProblemTypes.Stamp(ctx.ProblemDetails);
        });
        services.Configure<FormOptions>(o =>
        {
            o.MultipartBodyLengthLimit = maxBody;
            // The archive is read into memory anyway; never let the form reader spill it to a temp file.
            o.MemoryBufferThreshold = (int)Math.Min(int.MaxValue, maxBody);
        });
        // Kestrel's minimum upload rate (240 B/s, as its default) after a grace period: a stalled body ends in 408, not a held connection.
        // Kestrel's heartbeat is one second: a grace period must be longer than that.
        var grace = TimeSpan.FromTicks(Math.Max(configuration.GetValue($"{HyperApiOptions.Section}:UploadGracePeriod", TimeSpan.FromSeconds(5)).Ticks, TimeSpan.FromSeconds(2).Ticks));
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o =>
        {
            o.Limits.MaxRequestBodySize = maxBody;
            o.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(240, grace);
        });

        // Per tenant token buckets: one for submissions, a far larger one for reads (polling is cheap and expected).
        var rates = configuration.GetSection($"{HyperApiOptions.Section}:RateLimits").Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(SubmitPolicy, ctx => Bucket(ctx, "submit", rates.SubmitPerSecond, rates.SubmitBurst));
            o.AddPolicy(ReadPolicy, ctx => Bucket(ctx, "read", rates.ReadPerSecond, rates.ReadBurst));
            o.OnRejected = async (context, token) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await ProblemTypes.Create(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests",
                    $"This tenant's rate limit is reached; retry after {retryAfter} s.").ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    private static RateLimitPartition<string> Bucket(HttpContext context, string kind, int perSecond, int burst)
    {
        // Partitioned by the key's tenant (or by the hash of an unknown key), resolved without trusting it.
        var directory = context.RequestServices.GetRequiredService<TenantDirectory>();
        var tenant = directory.Resolve(context.Request) ?? "anonymous";
        return RateLimitPartition.GetTokenBucketLimiter(kind + ":" + tenant, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, burst),
            TokensPerPeriod = Math.Max(1, perSecond),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    public static WebApplication UseHyperHttp(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapOpenApi("/openapi/{documentName}.yaml");
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", "Grump Hyper v1");
            o.RoutePrefix = "swagger";
        });
        return app;
    }

    /// <summary>
    /// A group of the tenant's own resources: the tenant filter, the read rate limit, and the two problems every
    /// such endpoint can answer (401 without a valid key, 429 over the limit).
    /// </summary>
    public static RouteGroupBuilder MapTenantGroup(this IEndpointRouteBuilder app, string prefix, string tag)
    {
        var group = app.MapGroup(prefix).WithTags(tag);
        group.AddEndpointFilter<Auth.TenantFilter>()
            .RequireRateLimiting(ReadPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return group;
    }
}

/// <summary><c>Hyper:RateLimits</c>: token buckets per tenant.</summary>
public sealed class RateLimitOptions
{
    public int SubmitPerSecond { get; set; } = 10;
    public int SubmitBurst { get; set; } = 20;
    public int ReadPerSecond { get; set; } = 5000;
    public int ReadBurst { get; set; } = 10000;
}
