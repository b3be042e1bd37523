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

    /// <summary>
    /// A set with one more artifact beside it lists, finds and copies it in its sorted place; the set it was made from
    /// is unchanged and read only from then on; without that artifact it is that set's entries again.
    /// </summary>
    [Fact]
    public void One_more_artifact_beside_a_shared_set_is_listed_in_its_place_and_the_set_stays_as_it_was()
    {
        Gen.Select(Gen.String[Gen.Char["a-z/.-"], 1, 12].HashSet[0, 100], Gen.String[Gen.Char["a-z/.-"], 1, 12]).Sample((paths, extra) =>
        {
            paths.Remove(extra);
            var set = new ArtifactSet();
            foreach (var path in paths)
            {
                set.Add(path, System.Text.Encoding.UTF8.GetBytes(path));
            }

            var with = set.With(extra, ArtifactContent.Of(System.Text.Encoding.UTF8.GetBytes("+" + extra)));
            List<string> expected = [.. paths.Append(extra).Order(StringComparer.Ordinal)];
            Assert.Equal(expected, with.Select(a => a.Key));
            Assert.Equal(expected, with.Snapshot().Select(a => a.Key));
            Assert.All(with, a => Assert.Equal(a.Key == extra ? "+" + extra : a.Key, System.Text.Encoding.UTF8.GetString(a.Value.ToArray())));
            Assert.True(with.TryGet(extra, out var found) && found.Length == extra.Length + 1);
            Assert.Equal(paths.Count + 1, with.Count);

            Assert.Equal(paths.Order(StringComparer.Ordinal), set.Select(a => a.Key));
            Assert.False(set.TryGet(extra, out _));
            Assert.Throws<InvalidOperationException>(() => set.Add("late.json", [1]));
            Assert.Equal(paths.Order(StringComparer.Ordinal), with.Without(extra).Select(a => a.Key));

            var copy = with.Without("no such path"); // a copy, which may be added to
            copy.Add("~late.json", [1]);
            Assert.Equal(expected.Append("~late.json"), copy.Select(a => a.Key));
        }, iter: 300);
    }

    /// <summary>
    /// A set spliced from another with paths removed, replaced and added (a path may be removed and given a value
    /// again, as a chunk made again under its name) holds exactly what applying them one by one gives, and lists each
    /// change once with the value it had, the value it has and its place.
    /// </summary>
    [Fact]
    public void A_spliced_set_is_the_set_with_its_changes_applied_and_lists_each_change_once()
    {
        var path = Gen.String[Gen.Char["a-e/."], 1, 4];
        Gen.Select(path.HashSet[0, 60], path.HashSet[0, 20], path.HashSet[0, 20]).Sample((paths, removals, values) =>
        {
            var from = new ArtifactSet();
            foreach (var p in paths)
            {
                from.Add(p, System.Text.Encoding.UTF8.GetBytes(p));
            }

            from.Freeze();
            var changes = removals.Select(p => (p, (ArtifactContent?)null))
                .Concat(values.Select(p => (p, (ArtifactContent?)ArtifactContent.Of(System.Text.Encoding.UTF8.GetBytes("+" + p))))).ToList();
            var expected = paths.Except(removals).Union(values).Order(StringComparer.Ordinal).ToList();

            var spliced = ArtifactSet.Splice(from, changes);

            Assert.Equal(expected, spliced.Select(a => a.Key));
            Assert.All(spliced, a => Assert.Equal(values.Contains(a.Key) ? "+" + a.Key : a.Key, System.Text.Encoding.UTF8.GetString(a.Value.ToArray())));
            var (origin, log) = spliced.Spliced!.Value;
            Assert.Same(from, origin);
            var changed = values.Union(removals.Intersect(paths)).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(changed, log.Select(c => c.Path));
            Assert.All(log, c =>
            {
                Assert.Equal(paths.Contains(c.Path), c.Was is not null);
                Assert.Equal(values.Contains(c.Path), c.Now is not null);
                if (c.Now is not null)
                {
                    Assert.Equal(c.Path, spliced.PathAt(c.At));
                    Assert.Same(c.Now, spliced.ContentAt(c.At));
                }
            });
            Assert.Equal(paths.Count, from.Count); // the set spliced from stays as it was
        }, iter: 400);
    }

    [Fact]
    public void A_splice_that_gives_one_path_two_values_is_refused()
    {
        var from = new ArtifactSet().Freeze();
        Assert.Throws<ArgumentException>(() => ArtifactSet.Splice(from, [("a.json", ArtifactContent.Of([1])), ("a.json", ArtifactContent.Of([2]))]));
    }
}
