using Grump.Hyper.Api.Problems;

namespace Grump.Hyper.Api.Auth;

/// <summary>
/// The calling tenant, bound into handlers. Binding runs before endpoint filters, so it resolves the key
/// itself; an unknown key binds as no tenant and <see cref="TenantFilter"/> answers 401 before any handler runs.
/// </summary>
public sealed record Tenant(string Name)
{
    public static ValueTask<Tenant?> BindAsync(HttpContext context) =>
        ValueTask.FromResult<Tenant?>(new Tenant(context.RequestServices.GetRequiredService<TenantDirectory>().Resolve(context.Request) ?? string.Empty));
}

/// <summary>Resolves the tenant from the API key; answers 401 when keys are required and missing or wrong.</summary>
public sealed class TenantFilter(TenantDirectory directory, ILogger<TenantFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var name = directory.Resolve(http.Request);
        if (name is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return ProblemTypes.Create(StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized",
                "Send a valid API key as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.");
        }

        using (logger.BeginScope(new Dictionary<string, object> { ["Tenant"] = name }))
        {
            return await next(context);
        }
    }
}
