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
        var starts = new List<int>(expectedLines + 1) { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r')
            {
                if (i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                starts.Add(i + 1);
            }
            else if (c == '\n')
            {
                starts.Add(i + 1);
            }
        }

        return [.. starts];
    }
}
