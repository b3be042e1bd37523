using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Linq.Expressions;
using Grump.Hyper.Compiler.Extraction;

namespace Grump.Hyper.Engine.Matching;

/// <summary>
/// The engine's lexicon lookups, plugged into the compiler through its <see cref="WordSteps"/> seam: a compiled
/// automaton, a generated delegate, and matchers that promote themselves by use, like a JIT. The compiler carries
/// only its own plain and frozen hash maps; code generation is the engine's. Every tier gives the same matches
/// (tested against the compiler's); the benchmark's matchers line and ablation say which is faster (none of these,
/// so far, on this vocabulary: they stay off in every tier).
/// </summary>
public static class Matchers
{
    /// <summary>Every matcher at <paramref name="tier"/>: the compiler's own tiers, or the engine's.</summary>
    public static MatcherSet At(MatcherTier tier) => tier switch
    {
        MatcherTier.Compiled => MatcherSet.With(edges => new CompiledSteps(edges)),
        MatcherTier.Generated => MatcherSet.With(edges => new GeneratedSteps(edges, [])),
        _ => MatcherSet.At(tier),
    };

    /// <summary>Matchers that start interpreted and promote themselves by the steps they take.</summary>
    public static MatcherSet Tiered() => MatcherSet.With(edges => new TieredSteps(edges));
}

/// <summary>Every edge in one table keyed by (node, word number); a word not in the lexicon fails at the first lookup.</summary>
internal class CompiledSteps : WordSteps
{
    private readonly FrozenDictionary<string, int> _words;
    private readonly FrozenDictionary<long, int> _edges;

    public CompiledSteps(TrieEdges edges)
    {
        var words = edges.Nodes.SelectMany(e => e.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select((w, i) => KeyValuePair.Create(w, i));
        _words = words.ToFrozenDictionary(StringComparer.Ordinal);
        _edges = edges.Nodes.SelectMany((e, state) => e.Select(kv => KeyValuePair.Create(Key(state, _words[kv.Key]), kv.Value))).ToFrozenDictionary();
    }

    public override MatcherTier Tier => MatcherTier.Compiled;

    public override int Follow(int state, string word) =>
        _words.TryGetValue(word, out var id) && _edges.TryGetValue(Key(state, id), out var next) ? next : -1;

    private static long Key(int state, int word) => ((long)state << 32) | (uint)word;
}

/// <summary>
/// The compiled automaton plus a delegate generated at run time (an expression tree, compiled) that answers the
/// first step for the words this workload has actually used, the hot path of every lookup; other words and later
/// steps go through the automaton.
/// </summary>
internal sealed class GeneratedSteps : CompiledSteps
{
    private readonly Func<string, int> _root;

    public GeneratedSteps(TrieEdges edges, IEnumerable<string> hotWords)
        : base(edges)
    {
        var word = Expression.Parameter(typeof(string), "word");
        var root = edges.Nodes[0];
        var cases = hotWords.Distinct(StringComparer.Ordinal).Where(root.ContainsKey).Order(StringComparer.Ordinal)
            .Select(w => Expression.SwitchCase(Expression.Constant(root[w]), Expression.Constant(w)))
            .ToArray();
        var fallback = Expression.Constant(-2);
        Expression body = cases.Length == 0
            ? fallback
            : Expression.Switch(word, fallback, typeof(string).GetMethod(nameof(string.Equals), [typeof(string), typeof(string)]), cases);
        _root = Expression.Lambda<Func<string, int>>(body, word).Compile();
    }

    public override MatcherTier Tier => MatcherTier.Generated;

    public override int Follow(int state, string word)
    {
        if (state == 0)
        {
            var next = _root(word);
            if (next != -2)
            {
                return next;
            }
        }

        return base.Follow(state, word);
    }
}

/// <summary>
/// Starts interpreted and is promoted as it gets hot: frozen after <see cref="FrozenAfter"/> steps, compiled after
/// <see cref="CompiledAfter"/>, and after <see cref="GeneratedAfter"/> given a generated delegate for the words it
/// has stepped from the root so far. A promotion builds the next tier on the thread that crossed the count and swaps
/// it in; steps in flight finish on the old one, which gives the same answers.
/// </summary>
internal sealed class TieredSteps(TrieEdges edges) : WordSteps
{
    public const long FrozenAfter = 256;
    public const long CompiledAfter = 4_096;
    public const long GeneratedAfter = 65_536;

    private readonly ConcurrentDictionary<string, byte> _rootWords = new(StringComparer.Ordinal);
    private WordSteps _current = Interpreted(edges);
    private long _steps;

    public override MatcherTier Tier => Volatile.Read(ref _current).Tier;

    public long Steps => Interlocked.Read(ref _steps);

    public override int Follow(int state, string word)
    {
        var n = Interlocked.Increment(ref _steps);
        if (n is FrozenAfter or CompiledAfter or GeneratedAfter)
        {
            Volatile.Write(ref _current, n switch
            {
                FrozenAfter => Frozen(edges),
                CompiledAfter => new CompiledSteps(edges),
                _ => new GeneratedSteps(edges, _rootWords.Keys),
            });
        }

        var current = Volatile.Read(ref _current);
        var next = current.Follow(state, word);
        if (next >= 0 && state == 0 && current.Tier == MatcherTier.Compiled)
        {
            _rootWords.TryAdd(word, 0); // bounded: only lexicon words have a root edge
        }

        return next;
    }
}
