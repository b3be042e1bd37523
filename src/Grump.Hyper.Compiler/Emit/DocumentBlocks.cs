using System.IO.Hashing;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>
/// Cuts a big document into blocks of a few kilobytes, each a value of its own, so that the document is a
/// composite of them (as a chunk is of its modules) and a content-addressed store keeps it as a recipe of
/// blocks: an edit that changes a few lines makes a few new blocks, and the store writes those, not the
/// document again. The cuts are content-defined (after a line whose own hash has its low bits zero, within
/// a minimum and a maximum size), so a line added or removed moves only the cuts around it, and a block
/// made of the same bytes as one of the build before is that build's very value: its array and its
/// SHA-256 are reused. One instance per document, kept between builds of one project.
/// </summary>
public sealed class DocumentBlocks
{
    /// <summary>No cut before this many bytes: the recipe's line per block stays small against the block.</summary>
    private const int MinBytes = 1024;

    /// <summary>Always a cut past this many bytes (a document of one long line still splits).</summary>
    private const int MaxBytes = 32 * 1024;

    /// <summary>A line is a cut point one time in 4 on average: blocks of 1.5-3 KB at this format's line sizes (measured: smaller blocks wrote less of an edited plan.json, and their recipe lines more).</summary>
    private const ulong CutMask = 3;

    /// <summary>Inside a part longer than a block (plan.json's batch lists), a cut where the gear hash of the last bytes has these bits zero: about 4 KB apart.</summary>
    private const ulong GearMask = 0xFFF0_0000_0000_0000UL;

    /// <summary>The gear hash's random byte values, fixed, so every process cuts the same places.</summary>
    private static readonly ulong[] Gear = MakeGear();

    private Dictionary<ulong, List<ArtifactContent>> _last = [];

    /// <summary>Blocks the last document made anew, and took from the build before.</summary>
    public (int Made, int Reused) Counts { get; private set; }

    /// <summary>The document the parts make, end to end, as a composite of blocks.</summary>
    public ArtifactContent Compose(IReadOnlyList<ReadOnlyMemory<byte>> lines)
    {
        var parts = Refine(lines);
        var next = new Dictionary<ulong, List<ArtifactContent>>();
        var blocks = new List<ReadOnlyMemory<byte>>();
        var sources = new List<ArtifactContent?>();
        int made = 0, reused = 0, start = 0;
        long size = 0;
        ulong key = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i].Span;
            var hash = XxHash3.HashToUInt64(part);
            key = (key * 0x9E3779B97F4A7C15UL) ^ hash;
            size += part.Length;

            // Separators (",\n", "\n") hash alike everywhere, so only a real line may end a block.
            var cut = size >= MaxBytes || (size >= MinBytes && part.Length > 2 && (hash & CutMask) == 0) || i == parts.Count - 1;
            if (!cut)
            {
                continue;
            }

            var block = Find(key, parts, start, i, size);
            if (block is null)
            {
                block = Make(parts, start, i, size);
                made++;
            }
            else
            {
                reused++;
            }

            if (!next.TryGetValue(key, out var same))
            {
                next[key] = same = [];
            }

            if (!same.Contains(block))
            {
                same.Add(block);
            }

            blocks.Add(block.Parts[0]);
            sources.Add(block);
            (start, size, key) = (i + 1, 0, 0);
        }

        _last = next;
        Counts = (made, reused);
        return ArtifactContent.Concat([.. blocks], [.. sources]);
    }

    /// <summary>
    /// The parts, with each one longer than a block cut where its own bytes say (a gear hash, as content-defined
    /// chunking does), as slices of the same array: an id added to a long list changes the slices around it only.
    /// </summary>
    private static List<ReadOnlyMemory<byte>> Refine(IReadOnlyList<ReadOnlyMemory<byte>> lines)
    {
        var parts = new List<ReadOnlyMemory<byte>>(lines.Count);
        foreach (var line in lines)
        {
            if (line.Length <= MaxBytes)
            {
                parts.Add(line);
                continue;
            }

            var span = line.Span;
            var start = 0;
            ulong hash = 0;
            for (var i = 0; i < span.Length; i++)
            {
                hash = (hash << 1) + Gear[span[i]];
                var size = i + 1 - start;
                if ((size >= MinBytes && (hash & GearMask) == 0) || size >= MaxBytes)
                {
                    parts.Add(line[start..(i + 1)]);
                    (start, hash) = (i + 1, 0);
                }
            }

            if (start < span.Length)
            {
                parts.Add(line[start..]);
            }
        }

        return parts;
    }

    private static ulong[] MakeGear()
    {
        var random = new Random(20261202);
        var gear = new ulong[256];
        for (var i = 0; i < gear.Length; i++)
        {
            gear[i] = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 32);
        }

        return gear;
    }

    /// <summary>The build before's block with these bytes, compared byte for byte (the key only finds candidates).</summary>
    private ArtifactContent? Find(ulong key, IReadOnlyList<ReadOnlyMemory<byte>> parts, int from, int to, long size)
    {
        if (!_last.TryGetValue(key, out var candidates))
        {
            return null;
        }

        foreach (var candidate in candidates)
        {
            if (candidate.Length == size && SameBytes(candidate.Parts[0].Span, parts, from, to))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool SameBytes(ReadOnlySpan<byte> block, IReadOnlyList<ReadOnlyMemory<byte>> parts, int from, int to)
    {
        var at = 0;
        for (var i = from; i <= to; i++)
        {
            var part = parts[i].Span;
            if (!block.Slice(at, part.Length).SequenceEqual(part))
            {
                return false;
            }

            at += part.Length;
        }

        return true;
    }

    private static ArtifactContent Make(IReadOnlyList<ReadOnlyMemory<byte>> parts, int from, int to, long size)
    {
        var bytes = new byte[size];
        var at = 0;
        for (var i = from; i <= to; i++)
        {
            parts[i].Span.CopyTo(bytes.AsSpan(at));
            at += parts[i].Length;
        }

        return ArtifactContent.Of(bytes);
    }
}
