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
}

/// <summary>A sentence as a token range, with its place in the file.</summary>
internal readonly record struct Sentence(int FirstToken, int EndToken, int Start, int End);
