using System.Collections.Frozen;
using System.Linq.Expressions;

namespace Grump.Hyper.Compiler.Extraction;

/// <summary>A term found in a token stream.</summary>
internal readonly record struct TermMatch<T>(int Token, int Length, T Value);

/// <summary>
/// How a lexicon matcher looks words up. Every tier walks the same phrase trie with the same rules and
/// gives the same matches; they differ only in the data structure behind one step.
/// </summary>
public enum MatcherTier
{
    /// <summary>Plain hash maps per trie node: built at once, no preparation.</summary>
    Interpreted,

    /// <summary>Frozen dictionaries per node: slower to build, faster to read.</summary>
    Frozen,

    /// <summary>One flat automaton: words interned to numbers, every edge in one frozen table.</summary>
    Compiled,

    /// <summary>The compiled automaton with a generated delegate for the words this workload actually uses.</summary>
    Generated,
}

/// <summary>
/// Maps whole words and multi-word phrases to lexicon entries. Matching is greedy and longest-first,
/// so "ruby on rails" wins over "ruby", and a word is never found inside another word. At each step an
/// exact word is preferred; with <c>allowSingular</c> a plural that is not itself an edge steps by its
/// singular. States are node numbers; 0 is the root.
/// </summary>
internal abstract class PhraseMatcher<T>
{
    protected PhraseMatcher(PhraseTrie<T> trie) => Trie = trie;

    public PhraseTrie<T> Trie { get; }

    public abstract MatcherTier Tier { get; }

    /// <summary>The next state from <paramref name="state"/> by exactly <paramref name="word"/>, or -1.</summary>
    protected abstract int Step(int state, string word);

    /// <summary>The longest phrase starting at <paramref name="start"/>, or false.</summary>
    public virtual bool TryMatch(ReadOnlySpan<Token> tokens, int start, bool allowSingular, out TermMatch<T> match)
    {
        match = default;
        if (!tokens[start].IsWord)
        {
            return false;
        }

        var state = StepOrSingular(0, tokens[start].Norm, allowSingular);
        if (state < 0)
        {
            return false;
        }

        var bestLength = Trie.HasValue[state] ? 1 : 0;
        var best = state;
        var i = start + 1;
        while (Trie.HasChildren[state] && i < tokens.Length && tokens[i].IsWord &&
               (state = StepOrSingular(state, tokens[i].Norm, allowSingular)) >= 0)
        {
            i++;
            if (Trie.HasValue[state])
            {
                bestLength = i - start;
                best = state;
            }
        }

        if (bestLength == 0)
        {
            return false;
        }

        match = new TermMatch<T>(start, bestLength, Trie.Values[best]!);
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

    private int StepOrSingular(int state, string word, bool allowSingular)
    {
        var next = Step(state, word);
        if (next >= 0 || !allowSingular || !Inflection.TrySingular(word, out var singular))
        {
            return next;
        }

        return Step(state, singular);
    }
}

/// <summary>The phrase trie itself: numbered nodes, their edges, and which nodes end a phrase.</summary>
internal sealed class PhraseTrie<T>
{
    private PhraseTrie(List<Dictionary<string, int>> edges, T?[] values, bool[] hasValue)
    {
        Edges = edges;
        Values = values;
        HasValue = hasValue;
        HasChildren = [.. edges.Select(e => e.Count > 0)];
    }

    public List<Dictionary<string, int>> Edges { get; }

    public T?[] Values { get; }

    public bool[] HasValue { get; }

    public bool[] HasChildren { get; }

    public static PhraseTrie<T> Build(IEnumerable<(string[] Words, T Value)> entries)
    {
        var edges = new List<Dictionary<string, int>> { new(StringComparer.Ordinal) };
        var values = new List<T?> { default };
        var hasValue = new List<bool> { false };
        foreach (var (words, value) in entries)
        {
            if (words.Length == 0)
            {
                continue;
            }

            var node = 0;
            foreach (var word in words)
            {
                if (!edges[node].TryGetValue(word, out var child))
                {
                    child = edges.Count;
                    edges[node][word] = child;
                    edges.Add(new Dictionary<string, int>(StringComparer.Ordinal));
                    values.Add(default);
                    hasValue.Add(false);
                }

                node = child;
            }

            // The first entry for a phrase wins, so the data file's order decides conflicts.
            if (!hasValue[node])
            {
                values[node] = value;
                hasValue[node] = true;
            }
        }

        return new PhraseTrie<T>(edges, [.. values], [.. hasValue]);
    }

    public PhraseMatcher<T> Matcher(MatcherTier tier, IEnumerable<string>? hotWords = null) => tier switch
    {
        MatcherTier.Interpreted => new InterpretedMatcher<T>(this),
        MatcherTier.Frozen => new FrozenMatcher<T>(this),
        MatcherTier.Compiled => new CompiledMatcher<T>(this),
        _ => new GeneratedMatcher<T>(this, hotWords ?? []),
    };
}

internal sealed class InterpretedMatcher<T>(PhraseTrie<T> trie) : PhraseMatcher<T>(trie)
{
    public override MatcherTier Tier => MatcherTier.Interpreted;

    protected override int Step(int state, string word) => Trie.Edges[state].TryGetValue(word, out var next) ? next : -1;
}

internal sealed class FrozenMatcher<T> : PhraseMatcher<T>
{
    private readonly FrozenDictionary<string, int>[] _edges;

    public FrozenMatcher(PhraseTrie<T> trie)
        : base(trie) => _edges = [.. trie.Edges.Select(e => e.ToFrozenDictionary(StringComparer.Ordinal))];

    public override MatcherTier Tier => MatcherTier.Frozen;

    protected override int Step(int state, string word) => _edges[state].TryGetValue(word, out var next) ? next : -1;
}

/// <summary>Every edge in one table keyed by (state, word number); a word not in the lexicon fails at the first lookup.</summary>
internal class CompiledMatcher<T> : PhraseMatcher<T>
{
    private readonly FrozenDictionary<string, int> _words;
    private readonly FrozenDictionary<long, int> _edges;

    public CompiledMatcher(PhraseTrie<T> trie)
        : base(trie)
    {
        var words = trie.Edges.SelectMany(e => e.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select((w, i) => KeyValuePair.Create(w, i));
        _words = words.ToFrozenDictionary(StringComparer.Ordinal);
        _edges = trie.Edges.SelectMany((e, state) => e.Select(kv => KeyValuePair.Create(Key(state, _words[kv.Key]), kv.Value))).ToFrozenDictionary();
    }

    public override MatcherTier Tier => MatcherTier.Compiled;

    protected FrozenDictionary<string, int> Words => _words;

    protected override int Step(int state, string word) =>
        _words.TryGetValue(word, out var id) && _edges.TryGetValue(Key(state, id), out var next) ? next : -1;

    private static long Key(int state, int word) => ((long)state << 32) | (uint)word;
}

/// <summary>
/// The compiled automaton plus a delegate generated at run time (an expression tree, compiled) that
/// answers the first step for the words this workload has actually matched, the hot path of every
/// lookup; other words and later steps go through the automaton.
/// </summary>
internal sealed class GeneratedMatcher<T> : CompiledMatcher<T>
{
    private readonly Func<string, int> _root;

    public GeneratedMatcher(PhraseTrie<T> trie, IEnumerable<string> hotWords)
        : base(trie)
    {
        var word = Expression.Parameter(typeof(string), "word");
        var cases = hotWords.Distinct(StringComparer.Ordinal).Where(w => trie.Edges[0].ContainsKey(w)).Order(StringComparer.Ordinal)
            .Select(w => Expression.SwitchCase(Expression.Constant(trie.Edges[0][w]), Expression.Constant(w)))
            .ToArray();
        var fallback = Expression.Constant(-2);
        Expression body = cases.Length == 0
            ? fallback
            : Expression.Switch(word, fallback, typeof(string).GetMethod(nameof(string.Equals), [typeof(string), typeof(string)]), cases);
        _root = Expression.Lambda<Func<string, int>>(body, word).Compile();
    }

    public override MatcherTier Tier => MatcherTier.Generated;

    protected override int Step(int state, string word)
    {
        if (state == 0)
        {
            var next = _root(word);
            if (next != -2)
            {
                return next;
            }
        }

        return base.Step(state, word);
    }
}
