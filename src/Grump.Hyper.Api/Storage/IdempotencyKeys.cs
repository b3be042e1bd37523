using System.Security.Cryptography;
using System.Text;

namespace Grump.Hyper.Api.Storage;

/// <summary>How both stores name an idempotency key: a hash, so the caller's key never becomes a path or a Redis key as written.</summary>
internal static class IdempotencyKeys
{
    public static string Hash(string tenant, string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenant + "\n" + key)));
}
