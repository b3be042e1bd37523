using System.Text;
using CsCheck;
using Grump.Hyper.Compiler.Emit;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// A document held in memory is laid out as segments of lines, each found again by its lines' identity: whatever
/// the edits (lines replaced, inserted, removed, moved), its bytes are the lines joined as a list, and a build that
/// keeps most lines lays out new segments only around what changed.
/// </summary>
public sealed class LineSegmentsTests
{
    private static byte[] Line(int i) => Encoding.UTF8.GetBytes($"{{\"id\":\"task-{i}\",\"estimate\":{(i * 37) % 1000}}}");

    /// <summary>Two lists (a document has several), written the way the emitter writes them.</summary>
    private static ArtifactContent Held(DocumentMemo memo, List<byte[]> first, List<byte[]> second) =>
        new LineDocument(memo, composite: false).Raw("{\n\"a\": [\n").Lines(first, static l => l).Raw("],\n\"b\": [\n").Lines(second, static l => l).Raw("]\n}\n").ToContent();

    /// <summary>The same document from scratch, line by line.</summary>
    private static string Expected(List<byte[]> first, List<byte[]> second)
    {
        static string List(List<byte[]> lines) => lines.Count == 0 ? "" : string.Join(",\n", lines.Select(l => Encoding.UTF8.GetString(l))) + "\n";
        return "{\n\"a\": [\n" + List(first) + "],\n\"b\": [\n" + List(second) + "]\n}\n";
    }

    [Fact]
    public void A_held_document_is_its_lines_joined_whatever_the_edits()
    {
        // A build's edits: (kind, where, how many), applied to the first list; the second list moves by one line at times.
        var edit = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 10_000], Gen.Int[1, 5]);
        Gen.Select(Gen.Int[0, 400], edit.Array[1, 6].Array[1, 5]).Sample((size, builds) =>
        {
            var memo = new DocumentMemo();
            var first = Enumerable.Range(0, size).Select(Line).ToList();
            var second = Enumerable.Range(0, size / 3).Select(i => Line(50_000 + i)).ToList();
            var next = 100_000;
            Assert.Equal(Expected(first, second), Encoding.UTF8.GetString(Held(memo, first, second).ToArray()));
            foreach (var build in builds)
            {
                foreach (var (kind, where, count) in build)
                {
                    var at = first.Count == 0 ? 0 : where % first.Count;
                    switch (kind)
                    {
                        case 0 when first.Count > 0:
                            first[at] = Line(next++); // a line rendered again
                            break;
                        case 1:
                            first.InsertRange(at, Enumerable.Range(0, count).Select(_ => Line(next++)));
                            break;
                        case 2 when first.Count > 0:
                            first.RemoveRange(at, Math.Min(count, first.Count - at));
                            break;
                        case 3 when first.Count > 1:
                            var moved = first[at]; // the very same line elsewhere (the planner's order moves tasks)
                            first.RemoveAt(at);
                            first.Insert(where % first.Count, moved);
                            break;
                    }
                }

                if (build.Length % 2 == 0 && second.Count > 0)
                {
                    second.RemoveAt(0);
                }

                var held = Held(memo, first, second);
                var expected = Encoding.UTF8.GetBytes(Expected(first, second));
                Assert.Equal(expected, held.ToArray());

                // Compared part by part with a whole value, equal, and unequal after one byte.
                Assert.True(held.ContentEquals(ArtifactContent.Of(expected)));
                expected[^3] ^= 1;
                Assert.False(held.ContentEquals(ArtifactContent.Of(expected)));
            }
        }, iter: 300);
    }

    [Fact]
    public void A_build_that_keeps_most_lines_makes_segments_only_around_its_changes()
    {
        var memo = new DocumentMemo();
        var lines = Enumerable.Range(0, 8000).Select(Line).ToList();
        var cold = Held(memo, lines, []);
        var (made, kept) = memo.Segments.Counts;
        Assert.Equal(0, kept);
        Assert.InRange(made, 8000 / LineSegments.Most, 8000 / 2); // segments of several lines, not one a line nor one in all

        // The same lines again: every segment kept, one run each (no part laid out per line).
        var again = Held(memo, lines, []);
        Assert.Equal((0, made), memo.Segments.Counts);
        Assert.True(again.ContentEquals(cold));

        // One line replaced, two inserted, one removed: each makes new segments only where it is. A cut may move, and
        // where no line's hash cuts for 32 lines the cuts made at that length move along until one does, so the bound
        // is loose (at 9 it failed once in this round's runs): 20 of about a thousand segments, not all of them. The
        // replaced and the inserted lines each make at least one; the removal may make none (when the line was a
        // segment of its own, cut after it and after the line before, about one run in 64: the next segment is found).
        lines[4000] = Line(90_000);
        lines.InsertRange(100, [Line(90_001), Line(90_002)]);
        lines.RemoveAt(7000);
        var edited = Held(memo, lines, []);
        Assert.InRange(memo.Segments.Counts.Made, 2, 20);
        Assert.Equal(Expected(lines, []), Encoding.UTF8.GetString(edited.ToArray()));
    }

    /// <summary>
    /// Lines kept by position (a held document lays them out a page of positions at a time, reusing the pages none of
    /// whose lines changed): whatever the edits, and wherever the last line with bytes moves (an item may have none, a
    /// module without depends), the list is the lines with bytes joined, its length counted right.
    /// </summary>
    [Fact]
    public void Positional_lines_are_the_lines_with_bytes_joined_whatever_the_edits()
    {
        // A build's edits: positions given a new key and line, an empty one (no bytes) at times; the count may change.
        var edit = Gen.Select(Gen.Int[0, 10_000], Gen.Bool, Gen.Bool);
        // Lines with bytes up to a point only, as a module list whose last modules depend on nothing.
        Gen.Select(Gen.Int[0, 800], Gen.Int[0, 800], edit.Array[1, 8].Array[1, 6], Gen.Int[0, 9]).Sample((size, filled, builds, resize) =>
        {
            var memo = new DocumentMemo();
            var positional = new PositionalLines();
            var next = 0;
            byte[] Make(bool empty) => empty ? [] : Line(next++);
            var items = Enumerable.Range(0, size).Select(i => (Key: new object(), Line: Make(i % 3 == 0 || i >= filled))).ToList();
            for (var b = 0; b <= builds.Length; b++)
            {
                if (b > 0)
                {
                    foreach (var (where, empty, nearEnd) in builds[b - 1])
                    {
                        if (items.Count > 0)
                        {
                            // Half the edits among the last lines, where the list's last line with bytes moves.
                            var at = nearEnd ? items.Count - 1 - (where % Math.Min(items.Count, 300)) : where % items.Count;
                            items[at] = (new object(), Make(empty));
                        }
                    }

                    if (b == resize)
                    {
                        items.Add((new object(), Make(false))); // another length: nothing is kept by position
                    }
                }

                positional.Of(items, static i => i.Key, static i => i.Line, static _ => { });
                var held = new LineDocument(memo, composite: false).Raw("[\n").Lines(positional).Raw("]\n").ToContent();
                var lines = items.Where(i => i.Line.Length > 0).Select(i => Encoding.UTF8.GetString(i.Line)).ToList();
                var expected = Encoding.UTF8.GetBytes("[\n" + (lines.Count == 0 ? "" : string.Join(",\n", lines) + "\n") + "]\n");
                Assert.Equal(expected, held.ToArray());
                Assert.Equal(expected.Length, held.Length);
            }
        }, iter: 300);
    }
}
