using System.Text;
using Grump.Hyper.Compiler.Emit;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>A big document as blocks: the same bytes, and an edit makes only the blocks around what it changed.</summary>
public sealed class DocumentBlocksTests
{
    private static readonly byte[] Comma = ",\n"u8.ToArray();

    /// <summary>Lines as a document writes them (each its own array, a shared separator between), of varied lengths.</summary>
    private static List<ReadOnlyMemory<byte>> Document(IEnumerable<byte[]> lines)
    {
        var parts = new List<ReadOnlyMemory<byte>>();
        foreach (var line in lines)
        {
            if (parts.Count > 0)
            {
                parts.Add(Comma);
            }

            parts.Add(line);
        }

        return parts;
    }

    private static byte[] Line(int i) => Encoding.UTF8.GetBytes($"{{\"id\":\"task-{i}\",\"module\":\"area{i % 7}/m{i}\",\"estimate\":{(i * 37) % 1000}{new string('x', i % 90)}}}");

    [Fact]
    public void A_document_as_blocks_has_the_bytes_of_its_parts_and_an_edit_reuses_the_blocks_it_did_not_touch()
    {
        var lines = Enumerable.Range(0, 3000).Select(Line).ToList();
        var blocks = new DocumentBlocks();
        var first = blocks.Compose(Document(lines));
        Assert.True(first.ContentEquals(ArtifactContent.Concat([.. Document(lines)])));
        Assert.True(first.IsComposite);
        var total = first.Parts.Count;
        Assert.InRange(total, 50, 400); // blocks of a few KB, not one a line nor one in all
        Assert.Equal((total, 0), blocks.Counts);

        // The same lines again: every block is the build before's value, none made.
        var again = blocks.Compose(Document(lines));
        Assert.Equal((0, total), blocks.Counts);
        Assert.All(Enumerable.Range(0, total), i => Assert.Same(first.PartSources[i], again.PartSources[i]));

        // One line replaced near the middle, two inserted near the start (every later part moves by four), one removed near the end.
        var edited = lines.ToList();
        edited[1500] = Encoding.UTF8.GetBytes("{\"id\":\"task-1500\",\"module\":\"changed\"}");
        edited.InsertRange(10, [Line(90_001), Line(90_002)]);
        edited.RemoveAt(2900);
        var changed = blocks.Compose(Document(edited));
        Assert.True(changed.ContentEquals(ArtifactContent.Concat([.. Document(edited)])));
        var (made, reused) = blocks.Counts;
        Assert.InRange(made, 1, 12); // a few blocks around each of the three edits
        Assert.Equal(changed.Parts.Count, made + reused);
    }
}
