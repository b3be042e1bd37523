using System.Collections.Frozen;

namespace Grump.Hyper.Compiler.Extraction;

/// <summary>A term found in a token stream.</summary>
internal readonly record struct TermMatch<T>(int Token, int Length, T Value);

/// <summary>
/// Maps whole words and multi-word phrases to lexicon entries. Matching is greedy and longest-first,
/// so "ruby on rails" wins over "ruby", and a word is never found inside another word.
/// </summary>
internal sealed class PhraseTrie<T>
{
    private readonly FrozenDictionary<string, Node> _roots;

    private PhraseTrie(FrozenDictionary<string, Node> roots) => _roots = roots;

    public static PhraseTrie<T> Build(IEnumerable<(string[] Words, T Value)> entries)
    {
        var roots = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var (words, value) in entries)
        {
            if (words.Length == 0)
            {
                continue;
            }

            if (!roots.TryGetValue(words[0], out var node))
            {
                roots[words[0]] = node = new Node();
            }

            for (var i = 1; i < words.Length; i++)
            {
                node.Children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
                if (!node.Children.TryGetValue(words[i], out var child))
                {
                    node.Children[words[i]] = child = new Node();
                }

                node = child;
            }

            // The first entry for a phrase wins, so the data file's order decides conflicts.
            if (!node.HasValue)
            {
                node.Value = value;
                node.HasValue = true;
            }
        }

        return new PhraseTrie<T>(roots.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>The longest phrase starting at <paramref name="start"/>, or false.</summary>
    public bool TryMatch(ReadOnlySpan<Token> tokens, int start, bool allowSingular, out TermMatch<T> match)
    {
        match = default;
        if (!tokens[start].IsWord || !TryStep(_roots, tokens[start].Norm, allowSingular, out var node))
        {
            return false;
        }

        var bestLength = node.HasValue ? 1 : 0;
        var best = node;
        var i = start + 1;
        while (node.Children is not null && i < tokens.Length && tokens[i].IsWord &&
               TryStep(node.Children, tokens[i].Norm, allowSingular, out node))
        {
            i++;
            if (node.HasValue)
            {
                bestLength = i - start;
                best = node;
            }
        }

        if (bestLength == 0)
        {
            return false;
        }

        match = new TermMatch<T>(start, bestLength, best.Value!);
        return true;
    }

    /// <summary>Every non-overlapping match, left to right.</summary>
    public List<TermMatch<T>> MatchAll(ReadOnlySpan<Token> tokens, bool allowSingular)
    {
        var matches = new List<TermMatch<T>>();
        for (var i = 0; i < tokens.Length;)
        {
            if (TryMatch(tokens, i, allowSingular, out var m))
            {
                matches.Add(m);
                i += m.Length;
            }
            else
            {
                i++;
            }
        }

        return matches;
    }

    private static bool TryStep(IReadOnlyDictionary<string, Node> level, string word, bool allowSingular, out Node node)
    {
        if (level.TryGetValue(word, out node!))
        {
            return true;
        }

        return allowSingular && Inflection.TrySingular(word, out var singular) && level.TryGetValue(singular, out node!);
    }

    private sealed class Node
    {
        public Dictionary<string, Node>? Children;
        public T? Value;
        public bool HasValue;
    }
}
