using System.Security.Cryptography;
using System.Text;

namespace Grump.Hyper.Api.Webhooks;

/// <summary>Standard Webhooks v1 signatures: base64 HMAC-SHA256 over "{id}.{timestamp}.{body}", keyed with the decoded secret.</summary>
public static class WebhookSigner
{
    private const string SecretPrefix = "whsec_";

    public static bool TryDecodeSecret(string? secret, out byte[] key)
    {
        key = [];
        if (string.IsNullOrWhiteSpace(secret) || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
            return key.Length is >= 24 and <= 64;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static string Sign(byte[] key, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }
}
