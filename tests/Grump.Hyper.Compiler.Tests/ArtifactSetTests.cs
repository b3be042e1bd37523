using CsCheck;
using Grump.Hyper.Compiler.Emit;

namespace Grump.Hyper.Compiler.Tests;

public sealed class ArtifactSetTests
{
    /// <summary>Paths added in runs (as a build adds modules, chunks and documents) or in no order at all are listed in ordinal order with their values.</summary>
    [Fact]
    public void Paths_added_in_any_order_are_listed_sorted_with_their_values()
    {
        Gen.Select(Gen.String[Gen.Char["a-z/.-"], 1, 12].HashSet[0, 300], Gen.Int[1, 200], Gen.Bool).Sample((paths, runs, shuffle) =>
        {
            var all = paths.ToList();
            var random = new Random(runs);
            List<string> order = shuffle
                ? [.. all.OrderBy(_ => random.Next())]
                : [.. all.GroupBy(p => random.Next(runs)).SelectMany(g => g.Order(StringComparer.Ordinal))]; // a few sorted runs
            var set = new ArtifactSet();
            foreach (var path in order)
            {
                set.Add(path, System.Text.Encoding.UTF8.GetBytes(path));
            }

            Assert.Equal(all.Order(StringComparer.Ordinal), set.Select(a => a.Key));
            Assert.All(set, a => Assert.Equal(a.Key, System.Text.Encoding.UTF8.GetString(a.Value.ToArray())));
        }, iter: 300);
    }

    [Fact]
    public void A_path_added_twice_is_refused_when_read()
    {
        var set = new ArtifactSet();
        set.Add("b.json", [1]);
        set.Add("a.json", [2]);
        set.Add("b.json", [3]);
        Assert.Throws<ArgumentException>(() => set.Count > 0 && set.TryGet("a.json", out _));
    }
}
