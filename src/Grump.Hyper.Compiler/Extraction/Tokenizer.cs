using Grump.Hyper.Compiler.Text;

namespace Grump.Hyper.Compiler.Extraction;

/// <summary>
/// Splits an intent body into words and the punctuation that matters for meaning. Words keep their
/// inner joiners ("node.js", "e-commerce", "don't", "ci/cd", "c#"), so terms match as whole words.
/// A line break ends a sentence when the next line starts a new thought (a capital, a bullet) or is
/// blank; a lower-case next line is taken as wrapped prose.
/// </summary>
internal static class Tokenizer
{
    public static (Token[] Tokens, Sentence[] Sentences) Tokenize(string text, TextSpan span, IntentLexicon lexicon)
    {
        var tokens = new List<Token>(Math.Max(16, span.Length / 5));
        var sentences = Tokenize(text, span, lexicon, tokens);
        return (tokens.ToArray(), sentences);
    }

    /// <summary>Into <paramref name="tokens"/> (cleared first): the extractor passes a list it keeps per thread, so no file allocates its own.</summary>
    public static Sentence[] Tokenize(string text, TextSpan span, IntentLexicon lexicon, List<Token> tokens)
    {
        tokens.Clear();
        var sentences = new List<Sentence>();
        var sentence = 0;
        var sentenceFirstToken = 0;
        var sentenceStart = -1;
        var lastEnd = span.Start;
        var end = span.End;

        void EndSentence(int at)
        {
            if (sentenceStart >= 0 && tokens.Count > sentenceFirstToken)
            {
                sentences.Add(new Sentence(sentenceFirstToken, tokens.Count, sentenceStart, at));
                sentence++;
            }

            sentenceFirstToken = tokens.Count;
            sentenceStart = -1;
        }

        var i = span.Start;
        while (i < end)
        {
            var c = text[i];
            if (IsWordStart(text, i, end))
            {
                var start = i;
                i = ScanWord(text, i, end);
                var raw = text.AsSpan(start, i - start);
                var (norm, word) = Normalize(raw);
                if (norm.Contains('/', StringComparison.Ordinal) && !lexicon.SlashWords.Contains(norm))
                {
                    // "React/Vue" is two words; "ci/cd" is one.
                    var partStart = start;
                    foreach (var part in norm.Split('/'))
                    {
                        if (part.Length > 0)
                        {
                            sentenceStart = sentenceStart < 0 ? partStart : sentenceStart;
                            var (partNorm, partWord) = WordTable.Shared.Get(part);
                            tokens.Add(new Token(partStart, part.Length, partNorm, TokenKind.Word, char.IsUpper(text[partStart]), sentence) { Word = partWord });
                        }

                        partStart += part.Length + 1;
                    }
                }
                else
                {
                    sentenceStart = sentenceStart < 0 ? start : sentenceStart;
                    tokens.Add(new Token(start, i - start, norm, TokenKind.Word, char.IsUpper(raw[0]) || (raw[0] == '.' && raw.Length > 1 && char.IsUpper(raw[1])), sentence) { Word = word });
                }

                lastEnd = i;
                continue;
            }

            switch (c)
            {
                case '.' or '!' or '?':
                    EndSentence(i + 1);
                    break;
                case ';' or ':':
                    AddPunct(tokens, i, TokenKind.ClauseBreak, sentence);
                    break;
                case ',' or '(' or ')' or '—' or '–':
                    AddPunct(tokens, i, TokenKind.Comma, sentence);
                    break;
                case '-' when i + 1 < end && text[i + 1] == ' ' && i > span.Start && text[i - 1] == ' ':
                    AddPunct(tokens, i, TokenKind.Comma, sentence);
                    break;
                case '\n':
                    if (StartsNewThought(text, i + 1, end))
                    {
                        EndSentence(lastEnd);
                    }

                    break;
            }

            i++;
        }

        EndSentence(lastEnd);
        return sentences.ToArray();
    }

    private static void AddPunct(List<Token> tokens, int at, TokenKind kind, int sentence) =>
        tokens.Add(new Token(at, 1, kind == TokenKind.Comma ? "," : ";", kind, false, sentence));

    private static bool IsWordStart(string text, int i, int end)
    {
        var c = text[i];
        if (char.IsLetterOrDigit(c))
        {
            return true;
        }

        // ".NET" starts with a dot.
        return c == '.' && i + 1 < end && char.IsLetter(text[i + 1]) && (i == 0 || char.IsWhiteSpace(text[i - 1]));
    }

    private static int ScanWord(string text, int i, int end)
    {
        var start = i;
        i++;
        while (i < end)
        {
            var c = text[i];
            if (char.IsLetterOrDigit(c))
            {
                i++;
                continue;
            }

            if (c is '-' or '_' or '.' or '\'' or '’' or '/' or '+' or '&' && i + 1 < end && char.IsLetterOrDigit(text[i + 1]))
            {
                i += 2;
                continue;
            }

            // "C#", "F#" and "C++" end in symbols.
            if (i - start == 1 && char.IsAsciiLetter(text[start]) && (c == '#' || (c == '+' && i + 1 < end && text[i + 1] == '+')))
            {
                i += c == '#' ? 1 : 2;
            }

            break;
        }

        return i;
    }

    /// <summary>
    /// The words this thread normalised last, by their characters as written: a body repeats a few hundred words ("the",
    /// "users", "can"), and a hit skips the lower-casing and the shared table's lookup. Direct-mapped and bounded; a
    /// word's normal form is a function of its characters, so a hit is always the answer the table would give.
    /// </summary>
    [ThreadStatic]
    private static (string Raw, string Norm, int Word)[]? t_recent;

    private static (string Norm, int Word) Normalize(ReadOnlySpan<char> raw)
    {
        var recent = t_recent ??= new (string, string, int)[1024];
        var hash = 0u;
        foreach (var c in raw)
        {
            hash = (hash * 31) + c;
        }

        ref var entry = ref recent[(int)((hash * 2654435769u) >> 22)];
        if (entry.Raw is { } known && raw.SequenceEqual(known))
        {
            return (entry.Norm, entry.Word);
        }

        Span<char> buffer = raw.Length <= 128 ? stackalloc char[raw.Length] : new char[raw.Length];
        raw.ToLowerInvariant(buffer);
        buffer.Replace('’', '\'');
        var (norm, word) = WordTable.Shared.Get(buffer);
        entry = (raw.SequenceEqual(norm) ? norm : new string(raw), norm, word);
        return (norm, word);
    }

    private static bool StartsNewThought(string text, int i, int end)
    {
        while (i < end && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r'))
        {
            i++;
        }

        if (i >= end)
        {
            return true;
        }

        var c = text[i];
        return c == '\n' || char.IsUpper(c) || c is '-' or '*' or '•' or '#' or '>' ||
               (char.IsAsciiDigit(c) && i + 1 < end && text[i + 1] is '.' or ')');
    }
}
