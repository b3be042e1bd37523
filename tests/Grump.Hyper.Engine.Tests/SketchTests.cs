using Grump.Hyper.Engine.Sketches;

namespace Grump.Hyper.Engine.Tests;

/// <summary>Each sketch measured against its published error bound on keys it never saw in a biased way.</summary>
public sealed class SketchTests
{
    private static string Key(int i) => "sha256:" + i.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void The_bloom_filter_has_no_false_negatives_and_its_false_positive_rate_is_near_the_configured_one()
    {
        const int n = 100_000;
        var filter = new BloomFilter(n, 0.01);
        for (var i = 0; i < n; i++)
        {
            filter.Add(Key(i));
        }

        Assert.All(Enumerable.Range(0, n), i => Assert.True(filter.MightContain(Key(i))));
        var falsePositives = Enumerable.Range(n, 200_000).Count(i => filter.MightContain(Key(i)));
        var rate = falsePositives / 200_000.0;
        Assert.InRange(rate, 0.005, 0.015);
        Assert.Equal(7, filter.HashCount);
        Assert.InRange(filter.Bits / (double)n, 9.5, 9.7); // 9.59 bits a key at 1%
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(100_000)]
    [InlineData(1_000_000)]
    public void Hyperloglog_counts_distinct_keys_within_three_standard_errors(int distinct)
    {
        var hll = new HyperLogLog(14);
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < distinct; i++)
            {
                hll.Add(Key(i)); // every key twice: duplicates must not count
            }
        }

        var error = Math.Abs(hll.Count() - distinct) / (double)distinct;
        Assert.True(error <= 3 * hll.StandardError, $"error {error:P2} for {distinct}");
        Assert.Equal(0.0081, hll.StandardError, 4);
    }
}
