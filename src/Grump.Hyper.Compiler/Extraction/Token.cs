namespace Grump.Hyper.Compiler.Extraction;

internal enum TokenKind : byte
{
    Word,
    Comma,
    ClauseBreak,
    SentenceEnd,
}

/// <summary>One word or punctuation mark of an intent body; offsets are into the whole file.</summary>
internal readonly record struct Token(int Start, int Length, string Norm, TokenKind Kind, bool Capitalized, int Sentence)
{
    public bool IsWord => Kind == TokenKind.Word;

    /// <summary><see cref="Norm"/>'s number in <see cref="WordTable.Shared"/>, or 0 when it has none (a token not made by the tokenizer, or past the table's capacity).</summary>
    public int Word { get; init; }
}

/// <summary>A sentence as a token range, with its place in the file.</summary>
internal readonly record struct Sentence(int FirstToken, int EndToken, int Start, int End);
