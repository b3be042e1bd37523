using System.Collections.Frozen;

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

    /// <summary>One flat automaton: words interned to numbers, every edge in one frozen table (the engine's).</summary>
    Compiled,

    /// <summary>The compiled automaton with a generated delegate for the words this workload actually uses (the engine's).</summary>
    Generated,
}

/// <summary>
/// One step of a phrase trie's automaton: from a node by one exact word to the next node, or -1. The seam between
/// the language and how fast it is read: the compiler steps by plain or frozen hash maps; an engine may plug in
/// its own (interned word numbers, generated code, promotion by use), built from <see cref="TrieEdges"/>. Every
/// implementation must give the same answers.
/// </summary>
public abstract class WordSteps
{
    public abstract MatcherTier Tier { get; }

    /// <summary>The next node from <paramref name="state"/> by exactly <paramref name="word"/>, or -1. Node 0 is the root.</summary>
    public abstract int Follow(int state, string word);

    /// <summary>Plain hash maps per node, as the trie was built.</summary>
    public static WordSteps Interpreted(TrieEdges edges) => new InterpretedSteps(edges);

    /// <summary>Frozen dictionaries per node: slower to build, faster to read.</summary>
    public static WordSteps Frozen(TrieEdges edges) => new FrozenSteps(edges);

    /// <summary>One of the compiler's own tiers, as a builder of steps.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Compiled or generated: those are an engine's.</exception>
    public static Func<TrieEdges, WordSteps> At(MatcherTier tier) => tier switch
    {
        MatcherTier.Interpreted => Interpreted,
        MatcherTier.Frozen => Frozen,
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "Compiled and generated matchers are an engine's: plug them in as WordSteps."),
    };
}

/// <summary>A phrase trie's edges, read-only: per node, each word to its child node. Node 0 is the root.</summary>
public sealed class TrieEdges
{
    internal TrieEdges(IReadOnlyList<IReadOnlyDictionary<string, int>> nodes) => Nodes = nodes;

    public IReadOnlyList<IReadOnlyDictionary<string, int>> Nodes { get; }
}

/// <summary>
/// Maps whole words and multi-word phrases to lexicon entries. Matching is greedy and longest-first,
/// so "ruby on rails" wins over "ruby", and a word is never found inside another word. At each step an
/// exact word is preferred; with <c>allowSingular</c> a plural that is not itself an edge steps by its
/// singular. States are node numbers; 0 is the root. How one step is taken is <see cref="WordSteps"/>'s.
/// </summary>
internal sealed class PhraseMatcher<T>
{
    private readonly WordSteps _steps;

    // The first step from the root, by word number: every token of every file takes it in every category, and almost
    // always it leads nowhere. Kept per matcher (its trie and its steps) and per singular rule, for the whole process.
    private readonly WordNumbers _first = new();
    private readonly WordNumbers _firstOrSingular = new();

    // The step from the root for a word not yet known, as an instance field: a static lambda's cached delegate is a
    // static of a generic class, which shared generic code reaches through a runtime lookup per token (2% of the
    // module compile in `perf`).
    private readonly Func<(PhraseMatcher<T> Matcher, string Norm, bool AllowSingular), int> _fromRoot = static s => s.Matcher.StepOrSingular(0, s.Norm, s.AllowSingular);

    public PhraseMatcher(PhraseTrie<T> trie, WordSteps steps) => (Trie, _steps) = (trie, steps);

    public PhraseTrie<T> Trie { get; }

    public MatcherTier Tier => _steps.Tier;

    private int Step(int state, string word) => _steps.Follow(state, word);

    /// <summary>The longest phrase starting at <paramref name="start"/>, or false.</summary>
    public bool TryMatch(ReadOnlySpan<Token> tokens, int start, bool allowSingular, out TermMatch<T> match)
    {
        match = default;
        if (!tokens[start].IsWord)
        {
            return false;
        }

        var state = First(tokens[start], allowSingular);
        if (state < 0)
        {
            return false;
        }

        var bestLength = Trie.HasValue[state] ? 1 : 0;
        var best = state;
        var i = start + 1;
        while (Trie.HasChildren[state] && i < tokens.Length && tokens[i].IsWord &&
               (state = StepOrSingular(state, tokens[i], allowSingular)) >= 0)
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

    private int First(in Token token, bool allowSingular) => token.Word == 0
        ? StepOrSingular(0, token.Norm, allowSingular)
        : (allowSingular ? _firstOrSingular : _first).Get(token.Word, (this, token.Norm, allowSingular), _fromRoot);

    private int StepOrSingular(int state, string word, bool allowSingular)
    {
        var next = Step(state, word);
        if (next >= 0 || !allowSingular || !Inflection.TrySingular(word, out var singular))
        {
            return next;
        }

        return Step(state, singular);
    }

    /// <summary>As <see cref="StepOrSingular(int, string, bool)"/>, with the singular made once per word number rather than once per step.</summary>
    private int StepOrSingular(int state, in Token token, bool allowSingular)
    {
        if (token.Word == 0)
        {
            return StepOrSingular(state, token.Norm, allowSingular);
        }

        var next = Step(state, token.Norm);
        return next >= 0 || !allowSingular || Inflection.SingularOf(token) is not { } singular ? next : Step(state, singular);
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

    /// <summary>The edges as the <see cref="WordSteps"/> seam reads them.</summary>
    public TrieEdges View => _view ??= new TrieEdges(Edges);

    private TrieEdges? _view;

    /// <summary>A matcher at one of the compiler's own tiers (the others are an engine's, through <see cref="Matcher(Func{TrieEdges, WordSteps})"/>).</summary>
    public PhraseMatcher<T> Matcher(MatcherTier tier) => Matcher(WordSteps.At(tier));

    public PhraseMatcher<T> Matcher(Func<TrieEdges, WordSteps> steps) => new(this, steps(View));
}

internal sealed class InterpretedSteps(TrieEdges edges) : WordSteps
{
    public override MatcherTier Tier => MatcherTier.Interpreted;

    public override int Follow(int state, string word) => edges.Nodes[state].TryGetValue(word, out var next) ? next : -1;
}

internal sealed class FrozenSteps(TrieEdges edges) : WordSteps
{
    private readonly FrozenDictionary<string, int>[] _edges = [.. edges.Nodes.Select(e => e.ToFrozenDictionary(StringComparer.Ordinal))];

    public override MatcherTier Tier => MatcherTier.Frozen;

    public override int Follow(int state, string word) => _edges[state].TryGetValue(word, out var next) ? next : -1;
}
