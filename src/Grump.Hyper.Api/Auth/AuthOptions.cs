namespace Grump.Hyper.Api.Auth;

/// <summary>One tenant: the SHA-256 (hex) of each of its API keys, and its webhook signing secret.</summary>
public sealed class TenantOptions
{
    public List<string> ApiKeySha256 { get; set; } = [];

    /// <summary><c>whsec_</c> + base64 of 24 to 64 random bytes (Standard Webhooks).</summary>
    public string? WebhookSecret { get; set; }
}

/// <summary>The <c>Auth</c> section. No tenants means open mode: everyone is the tenant "public".</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public Dictionary<string, TenantOptions> Tenants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>SHA-256 (hex) of the key that opens the Hangfire dashboard.</summary>
    public string? AdminKeySha256 { get; set; }
}
