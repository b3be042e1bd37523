using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Grump.Hyper.Api.Auth;

/// <summary>Who is calling: the tenant a request's API key belongs to. Keys are only ever compared as SHA-256.</summary>
public sealed class TenantDirectory
{
    public const string OpenTenant = "public";

    private readonly Dictionary<string, string> _tenantByKeyHash;
    private readonly Dictionary<string, TenantOptions> _tenants;
    private readonly string? _adminKeyHash;

    public TenantDirectory(IOptions<AuthOptions> options, ILogger<TenantDirectory> logger)
    {
        _tenants = new Dictionary<string, TenantOptions>(options.Value.Tenants, StringComparer.Ordinal);
        _tenantByKeyHash = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, tenant) in _tenants)
        {
            foreach (var hash in tenant.ApiKeySha256)
            {
                if (hash.Length != 64 || !hash.All(Uri.IsHexDigit))
                {
                    throw new InvalidOperationException($"Auth:Tenants:{name}:ApiKeySha256 holds a value that is not a 64-character hex SHA-256.");
                }

                _tenantByKeyHash[hash.ToLowerInvariant()] = name;
            }
        }

        _adminKeyHash = string.IsNullOrWhiteSpace(options.Value.AdminKeySha256) ? null : options.Value.AdminKeySha256.ToLowerInvariant();
        if (IsOpen)
        {
            logger.LogWarning("No tenants are configured (Auth:Tenants): the API is OPEN, every caller is tenant '{Tenant}'. Configure API keys before exposing it.", OpenTenant);
        }
    }

    public bool IsOpen => _tenantByKeyHash.Count == 0;

    /// <summary>
    /// The caller's tenant, or null when keys are required and none (or a wrong one) was sent. Remembered
    /// on the request: the rate limiter, parameter binding and the tenant filter all ask, the key is hashed once.
    /// </summary>
    public string? Resolve(HttpRequest request)
    {
        if (IsOpen)
        {
            return OpenTenant;
        }

        var items = request.HttpContext.Items;
        if (items.TryGetValue(ResolvedItem, out var known))
        {
            return (string?)known;
        }

        var key = ApiKey(request);
        var tenant = key is null ? null : _tenantByKeyHash.GetValueOrDefault(Hash(key));
        items[ResolvedItem] = tenant;
        return tenant;
    }

    private static readonly object ResolvedItem = new();

    public bool IsAdmin(HttpRequest request) => _adminKeyHash is not null && ApiKey(request) is { } key &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(key)), Encoding.ASCII.GetBytes(_adminKeyHash));

    public string? WebhookSecret(string tenant) => _tenants.GetValueOrDefault(tenant)?.WebhookSecret;

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string? ApiKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        var header = request.Headers["X-Api-Key"].ToString();
        return header.Length > 0 ? header : null;
    }
}
