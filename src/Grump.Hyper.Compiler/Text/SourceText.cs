namespace Grump.Hyper.Compiler.Text;

/// <summary>The decoded text of one source file with a lazily built line map.</summary>
public sealed class SourceText
{
    private int[]? _lineStarts;

    public SourceText(string path, string text, int expectedLines = 16)
    {
        Path = path;
        Text = text;
        _expectedLines = expectedLines;
    }

    private readonly int _expectedLines;

    public string Path { get; }

    public string Text { get; }

    public int Length => Text.Length;

    public char this[int index] => Text[index];

    public LinePosition GetPosition(int offset)
    {
        var starts = _lineStarts ??= ComputeLineStarts(Text, _expectedLines);
        offset = Math.Clamp(offset, 0, Text.Length);
        var line = Array.BinarySearch(starts, offset);
        if (line < 0)
        {
            line = ~line - 1;
        }

        return new LinePosition(line + 1, offset - starts[line] + 1);
    }

    public int GetLine(int offset) => GetPosition(offset).Line;

    private static int[] ComputeLineStarts(string text, int expectedLines)
    {
        // Line breaks found by the vectorised search, not char by char: a CRLF, a LF or a lone CR each end a line.
        var starts = new List<int>(expectedLines + 1) { 0 };
        var rest = text.AsSpan();
        var at = 0;
        while (rest[at..].IndexOfAny('\r', '\n') is var next and >= 0)
        {
            var i = at + next;
            if (rest[i] == '\r' && i + 1 < rest.Length && rest[i + 1] == '\n')
            {
                i++;
            }

            starts.Add(i + 1);
            at = i + 1;
        }

        return [.. starts];
    }
}
