namespace Grump.Hyper.Compiler.Text;

/// <summary>A range of characters in a source text; line and column are derived only when shown.</summary>
public readonly record struct TextSpan(int Start, int Length)
{
    public int End => Start + Length;

    public static TextSpan FromBounds(int start, int end) => new(start, end - start);
}

/// <summary>One-based line and column, as editors and CI annotations count them.</summary>
public readonly record struct LinePosition(int Line, int Column);
