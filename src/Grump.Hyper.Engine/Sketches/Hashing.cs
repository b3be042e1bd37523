using System.IO.Hashing;
using System.Text;

namespace Grump.Hyper.Engine.Sketches;

/// <summary>Two independent 64-bit hashes of a key (xxHash3 with two seeds), combined Kirsch–Mitzenmacher style.</summary>
internal static class Hashing
{
    public static (ulong H1, ulong H2) Pair(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        return (XxHash3.HashToUInt64(bytes, 0x5EED_0001), XxHash3.HashToUInt64(bytes, 0x5EED_0002) | 1);
    }
}
