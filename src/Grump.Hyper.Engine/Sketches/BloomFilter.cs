namespace Grump.Hyper.Engine.Sketches;

/// <summary>
/// "Surely not seen" in a few bits per key: m = -n ln p / (ln 2)^2 bits and k = (m/n) ln 2 hashes for
/// n keys at false-positive rate p. Never a false negative. Thread-safe adds.
/// </summary>
public sealed class BloomFilter
{
    private readonly long[] _bits;
    private readonly long _m;

    public BloomFilter(long expectedItems, double falsePositiveRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(expectedItems, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(falsePositiveRate, 1e-9);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(falsePositiveRate, 0.5);
        _m = Math.Max(64, (long)Math.Ceiling(-expectedItems * Math.Log(falsePositiveRate) / (Math.Log(2) * Math.Log(2))));
        HashCount = Math.Max(1, (int)Math.Round((double)_m / expectedItems * Math.Log(2)));
        _bits = new long[(_m + 63) / 64];
    }

    public int HashCount { get; }

    public long Bits => _m;

    public void Add(string key)
    {
        var (h1, h2) = Hashing.Pair(key);
        for (var i = 0; i < HashCount; i++)
        {
            var bit = (long)((h1 + ((ulong)i * h2)) % (ulong)_m);
            Interlocked.Or(ref _bits[bit >> 6], 1L << (int)(bit & 63));
        }
    }

    public bool MightContain(string key)
    {
        var (h1, h2) = Hashing.Pair(key);
        for (var i = 0; i < HashCount; i++)
        {
            var bit = (long)((h1 + ((ulong)i * h2)) % (ulong)_m);
            if ((Volatile.Read(ref _bits[bit >> 6]) & (1L << (int)(bit & 63))) == 0)
            {
                return false;
            }
        }

        return true;
    }
}
