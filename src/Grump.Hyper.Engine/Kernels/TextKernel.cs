namespace Grump.Hyper.Engine.Kernels;

/// <summary>What a scan found in one file: its newline count and whether every byte is ASCII.</summary>
public readonly record struct TextStats(int Newlines, bool Ascii);

/// <summary>
/// A batch text scan over many files at once (the bytes laid end to end, with start offsets): newlines
/// per file and whether each is pure ASCII. Pure ASCII is valid UTF-8, so the compiler skips validation
/// and decodes it directly, and the newline count sizes its line table. Every backend returns the same
/// answers; they differ in speed and in where they run.
/// </summary>
public interface ITextKernel
{
    string Name { get; }

    /// <param name="data">The files' bytes, end to end.</param>
    /// <param name="offsets">Start of each file in <paramref name="data"/>, plus the end: files.Length + 1 entries.</param>
    /// <param name="stats">One entry per file.</param>
    void Scan(ReadOnlyMemory<byte> data, ReadOnlySpan<int> offsets, Span<TextStats> stats);
}

/// <summary>One byte at a time: the reference the others are tested against.</summary>
public sealed class ScalarTextKernel : ITextKernel
{
    public static ScalarTextKernel Instance { get; } = new();

    public string Name => "scalar";

    public void Scan(ReadOnlyMemory<byte> data, ReadOnlySpan<int> offsets, Span<TextStats> stats)
    {
        var bytes = data.Span;
        for (var f = 0; f < stats.Length; f++)
        {
            var newlines = 0;
            var high = 0;
            for (var i = offsets[f]; i < offsets[f + 1]; i++)
            {
                newlines += bytes[i] == (byte)'\n' ? 1 : 0;
                high |= bytes[i] & 0x80;
            }

            stats[f] = new TextStats(newlines, high == 0);
        }
    }
}
