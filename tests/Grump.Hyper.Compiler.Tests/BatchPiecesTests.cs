using System.Text;
using CsCheck;
using Grump.Hyper.Compiler.Emit;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// plan.json's batches laid out from pieces of ids: whatever the edits (ids in, out, moved between batches, rendered
/// again), the batches and the execution order are the ids joined as JSON arrays, and a build that keeps most ids
/// makes pieces only around what changed.
/// </summary>
public sealed class BatchPiecesTests
{
    private static byte[] Id(int i) => Encoding.UTF8.GetBytes($"\"m{i % 97}:task-{i}\"");

    /// <summary>The batches and the order, written as the emitter writes them into plan.json, into a held document.</summary>
    private static string Written(BatchPieces pieces, DocumentMemo memo, List<List<byte[]>> batches)
    {
        pieces.Begin();
        var lines = batches.Select(b => pieces.Of([.. b])).ToArray();
        pieces.End();
        var document = new LineDocument(memo, composite: false).Raw("{\"executionOrder\": ").Joined(lines).Raw(",\n\"parallelBatches\": [\n").Lines(lines).Raw("]}\n");
        return Encoding.UTF8.GetString(document.ToContent().ToArray());
    }

    private static string Expected(List<List<byte[]>> batches)
    {
        static string Array(IEnumerable<byte[]> ids) => "[" + string.Join(",", ids.Select(Encoding.UTF8.GetString)) + "]";
        return "{\"executionOrder\": " + Array(batches.SelectMany(b => b)) + ",\n\"parallelBatches\": [\n" +
            (batches.Count == 0 ? "" : string.Join(",\n", batches.Select(Array)) + "\n") + "]}\n";
    }

    [Fact]
    public void Batches_laid_out_from_pieces_are_their_ids_joined_whatever_the_edits()
    {
        // A build's edits: (kind, batch, where, how many).
        var edit = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 1000], Gen.Int[0, 10_000], Gen.Int[1, 40]);
        Gen.Select(Gen.Int[0, 6], Gen.Int[0, 1_500], edit.Array[1, 6].Array[1, 5]).Sample((count, size, builds) =>
        {
            var (pieces, memo) = (new BatchPieces(), new DocumentMemo());
            var next = 0;
            var batches = Enumerable.Range(0, count).Select(b => Enumerable.Range(0, b == 0 ? size : size / (b + 1)).Select(_ => Id(next++)).ToList()).ToList();
            Assert.Equal(Expected(batches), Written(pieces, memo, batches));
            foreach (var build in builds)
            {
                foreach (var (kind, which, where, n) in build)
                {
                    if (batches.Count == 0)
                    {
                        break;
                    }

                    var batch = batches[which % batches.Count];
                    var at = batch.Count == 0 ? 0 : where % batch.Count;
                    switch (kind)
                    {
                        case 0 when batch.Count > 0:
                            batch[at] = Id(next++); // an id rendered again (its task made again)
                            break;
                        case 1:
                            batch.InsertRange(at, Enumerable.Range(0, n).Select(_ => Id(next++)));
                            break;
                        case 2 when batch.Count > 0:
                            batch.RemoveRange(at, Math.Min(n, batch.Count - at));
                            break;
                        case 3 when batch.Count > 0:
                            var moved = batch[at]; // the very same line in the batch after (a task's level moved)
                            batch.RemoveAt(at);
                            var to = batches[(which + 1) % batches.Count];
                            to.Insert(where % (to.Count + 1), moved);
                            break;
                    }
                }

                Assert.Equal(Expected(batches), Written(pieces, memo, batches));
            }
        }, iter: 300);
    }

    [Fact]
    public void A_build_that_keeps_most_ids_makes_pieces_only_around_its_changes()
    {
        var (pieces, memo) = (new BatchPieces(), new DocumentMemo());
        var batch = Enumerable.Range(0, 20_000).Select(Id).ToList();
        Written(pieces, memo, [batch]);
        var (made, kept) = pieces.Counts;
        Assert.Equal(0, kept);
        Assert.InRange(made, 20_000 / BatchPieces.Most, 20_000 / 8); // pieces of many ids, not one an id nor one in all

        Written(pieces, memo, [batch]);
        Assert.Equal((0, made), pieces.Counts); // laid out again from the same lines: every piece kept

        // One id rendered again, two put in, one taken out: new pieces only where each is. A cut may move, and where no
        // id's hash cuts for a while the cuts at the longest piece move along until one does, so the bound is loose.
        batch[12_000] = Id(90_000);
        batch.InsertRange(100, [Id(90_001), Id(90_002)]);
        batch.RemoveAt(17_000);
        var written = Written(pieces, memo, [batch]);
        Assert.InRange(pieces.Counts.Made, 3, 20);
        Assert.Equal(Expected([batch]), written);
    }
}
