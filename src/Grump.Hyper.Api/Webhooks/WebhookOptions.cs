namespace Grump.Hyper.Api.Webhooks;

/// <summary>The <c>Webhooks</c> section.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Signs deliveries in open mode (no tenants): <c>whsec_</c> + base64 of 24 to 64 bytes.</summary>
    public string? SigningSecret { get; set; }

    /// <summary>Host names or CIDR ranges exempt from the private-address block (tests allow their loopback receiver).</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Per attempt; Standard Webhooks suggests 15 to 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    public int MaxRetries { get; set; } = 5;

    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between attempts, also the cap on a receiver's Retry-After.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Consecutive-failure circuit breaker per endpoint.</summary>
    public int BreakerMinimumThroughput { get; set; } = 10;

    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}
