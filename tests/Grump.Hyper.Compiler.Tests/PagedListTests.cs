using System.Text;
using CsCheck;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Planning;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// The planner's paged lists: whatever the splices (entries out, in and replaced, anywhere, many at one place), a list
/// holds what a plain list edited the same way holds, its pages stay between a quarter of a page and a page long, and
/// pages no edit falls in are the very pages of the list before.
/// </summary>
public sealed class PagedListTests
{
    private const int Page = PagedList<int>.MaxPage;

    private static void AssertHolds(List<int> expected, PagedList<int> list)
    {
        Assert.Equal(expected.Count, list.Count);
        Assert.Equal(expected, list.Pages.ToArray().SelectMany(p => p));
        for (var i = 0; i < expected.Count; i += 97)
        {
            Assert.Equal(expected[i], list[i]);
        }

        var from = expected.Count / 3;
        var range = new List<int>();
        foreach (var entry in list.Range(from, expected.Count - from))
        {
            range.Add(entry);
        }

        Assert.Equal(expected.Skip(from), range);
        Assert.All(list.Pages.ToArray(), page => Assert.InRange(page.Length, 1, Page));
    }

    [Fact]
    public void A_spliced_list_holds_what_a_plain_list_edited_the_same_way_holds()
    {
        // Each build: how many out, in and replaced, with seeds for where; sizes from empty to several pages.
        var build = Gen.Select(Gen.Int[0, 40], Gen.Int[0, 40], Gen.Int[0, 20], Gen.Int[0, 3]).Select((o, n, s, bulk) => (Outs: o, Ins: bulk == 0 ? n * 100 : n, Sets: s));
        Gen.Select(Gen.Int[0, 5_000], build.Array[1, 8], Gen.Int).Sample((size, builds, seed) =>
        {
            var random = new Random(seed);
            var expected = Enumerable.Range(0, size).ToList();
            var list = PagedList<int>.Of([.. expected]);
            AssertHolds(expected, list);
            var next = 1_000_000;
            foreach (var (o, n, s) in builds)
            {
                var count = expected.Count;
                var outs = Enumerable.Range(0, count == 0 ? 0 : Math.Min(o, count)).Select(_ => random.Next(count)).Distinct().Order().ToArray();
                var ins = Enumerable.Range(0, n).Select(_ => (At: random.Next(count + 1), Entry: next++)).OrderBy(x => x.At).ToArray();
                var sets = Enumerable.Range(0, count == 0 ? 0 : s).Select(_ => (At: random.Next(count), Entry: next++)).DistinctBy(x => x.At).OrderBy(x => x.At).ToArray();

                // The model: replaced first (indexes of this list), then, from the back, each index's insertions before it and the removals.
                var model = expected.ToArray();
                foreach (var (where, entry) in sets)
                {
                    model[where] = entry;
                }

                var edited = new List<int>();
                for (var i = 0; i <= count; i++)
                {
                    edited.AddRange(ins.Where(x => x.At == i).Select(x => x.Entry));
                    if (i < count && Array.BinarySearch(outs, i) < 0)
                    {
                        edited.Add(model[i]);
                    }
                }

                var before = list;
                list = list.Splice(outs, ins, sets);
                AssertHolds(edited, list);
                Assert.All(list.Pages.ToArray().Skip(1).SkipLast(1), page => Assert.InRange(page.Length, Page / 4, Page));

                // A page of the list before that no index fell in is in the new list as that very array.
                var kept = list.Pages.ToArray().ToHashSet(ReferenceEqualityComparer.Instance);
                var at = 0;
                var pages = before.Pages.ToArray();
                for (var p = 0; p < pages.Length; at += pages[p].Length, p++)
                {
                    var end = at + pages[p].Length;
                    var (start, page) = (at, pages[p]);
                    var touched = outs.Any(x => x >= start && x < end) || ins.Any(x => x.At >= start && x.At < end) || sets.Any(x => x.At >= start && x.At < end);
                    var neighbourTouched = ins.Any(x => x.At == end) || outs.Any(x => x == end) || sets.Any(x => x.At == end);
                    if (!touched && !neighbourTouched && p + 1 < pages.Length)
                    {
                        Assert.Contains(page, kept);
                    }
                }

                // Two versions compared stretch by stretch, shared pages unread: as an entry-by-entry comparison says.
                for (var k = 0; k < 6 && count > 0 && edited.Count > 0; k++)
                {
                    var length = random.Next(Math.Min(count, edited.Count) + 1);
                    var (from, to) = (random.Next(count - length + 1), k % 2 == 0 ? random.Next(edited.Count - length + 1) : -1);
                    to = to < 0 ? Math.Min(from, edited.Count - length) : to; // often the same place: shared pages line up
                    Assert.Equal(expected.Skip(from).Take(length).SequenceEqual(edited.Skip(to).Take(length)),
                        PagedList<int>.SameRange(before, from, list, to, length, static (a, b) => a == b));
                }

                expected = edited;
            }
        }, iter: 200);
    }

    [Fact]
    public void Lower_bound_finds_the_first_entry_at_or_after_a_key()
    {
        Gen.Select(Gen.Int[0, 4_000], Gen.Int[1, 5], Gen.Int[-5, 20_000].Array[1, 20]).Sample((size, step, keys) =>
        {
            var sorted = Enumerable.Range(0, size).Select(i => i * step / 2).ToArray(); // ascending, with runs of equal entries
            var list = PagedList<int>.Of(sorted);
            foreach (var key in keys)
            {
                var expected = Array.FindIndex(sorted, x => x >= key);
                Assert.Equal(expected < 0 ? size : expected, list.LowerBound(key, static (k, e) => k.CompareTo(e)));
            }
        }, iter: 200);
    }

    private struct Slotted(int value)
    {
        public readonly int Value = value;
        public byte[]? Line;

        public static ref byte[]? Slot(ref Slotted entry) => ref entry.Line;
    }

    [Fact]
    public void Filling_renders_only_empty_slots_and_keeps_what_it_rendered_for_the_next_build()
    {
        var list = PagedList<Slotted>.Of([.. Enumerable.Range(0, 3_000).Select(i => new Slotted(i))]);
        foreach (var parallel in new[] { false, true })
        {
            var rendered = 0;
            var into = new byte[list.Count][];
            var filled = list.Fill(into, Slotted.Slot, e => { Interlocked.Increment(ref rendered); return [(byte)(e.Value % 251)]; }, parallel);
            Assert.Equal(parallel ? 0 : 3_000, filled); // the second pass finds every slot filled by the first
            Assert.Equal(filled, rendered);
            Assert.All(Enumerable.Range(0, list.Count), i => Assert.Equal((byte)(i % 251), into[i][0]));
            Assert.Equal(0, list.EmptySlots(Slotted.Slot));
        }

        var spliced = list.Splice([5], [(10, new Slotted(-1))], []);
        Assert.Equal(1, spliced.EmptySlots(Slotted.Slot)); // only the new entry has no line yet
    }

    [Fact]
    public void A_held_document_of_a_paged_list_s_lines_is_its_lines_joined_whatever_the_splices()
    {
        // Laid out a run per page, a page of the build before taken as its run: the bytes must not tell.
        var build = Gen.Select(Gen.Int[0, 30], Gen.Int[0, 30], Gen.Int[0, 10]);
        Gen.Select(Gen.Int[0, 3_000], build.Array[1, 6], Gen.Int, Gen.Bool).Sample((size, builds, seed, parallel) =>
        {
            var random = new Random(seed);
            var memo = new DocumentMemo();
            var next = 0;
            var list = PagedList<Slotted>.Of([.. Enumerable.Range(0, size).Select(_ => new Slotted(next++))]);
            foreach (var (o, n, s) in builds.Prepend((0, 0, 0)))
            {
                var count = list.Count;
                var outs = Enumerable.Range(0, count == 0 ? 0 : o).Select(_ => random.Next(count)).Distinct().Order().ToArray();
                var ins = Enumerable.Range(0, n).Select(_ => (At: random.Next(count + 1), Entry: new Slotted(next++))).OrderBy(x => x.At).ToArray();
                if (n % 3 == 0)
                {
                    ins = [.. ins, .. Enumerable.Range(0, PagedList<Slotted>.MaxPage / 2).Select(_ => (count, new Slotted(next++)))]; // a page of its own after the last
                }

                var sets = Enumerable.Range(0, count == 0 ? 0 : s).Select(_ => (At: random.Next(count), Entry: new Slotted(next++))).DistinctBy(x => x.At).OrderBy(x => x.At).ToArray();
                list = list.Splice(outs, ins, sets);
                var held = new LineDocument(memo, composite: false).Raw("[\n")
                    .Lines(list, Slotted.Slot, static e => Encoding.UTF8.GetBytes($"{{\"n\":{e.Value}}}"), parallel, out _).Raw("]\n").ToContent();
                var values = list.Pages.ToArray().SelectMany(p => p).Select(e => $"{{\"n\":{e.Value}}}").ToList();
                Assert.Equal("[\n" + (values.Count == 0 ? "" : string.Join(",\n", values) + "\n") + "]\n", Encoding.UTF8.GetString(held.ToArray()));
            }
        }, iter: 150);
    }
}
