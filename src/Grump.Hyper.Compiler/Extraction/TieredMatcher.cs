using System.Collections.Concurrent;

namespace Grump.Hyper.Compiler.Extraction;

/// <summary>
/// A matcher that starts interpreted and is promoted as it gets hot, like a JIT: frozen after
/// <see cref="FrozenAfter"/> lookups, compiled after <see cref="CompiledAfter"/>, and after
/// <see cref="GeneratedAfter"/> given a generated delegate for the words it has matched so far. A
/// promotion builds the next tier on the thread that crossed the count and swaps it in; lookups in
/// flight finish on the old one, which gives the same answers.
/// </summary>
internal sealed class TieredMatcher<T> : PhraseMatcher<T>
{
    public const long FrozenAfter = 256;
    public const long CompiledAfter = 4_096;
    public const long GeneratedAfter = 65_536;

    private readonly ConcurrentDictionary<string, byte> _matchedWords = new(StringComparer.Ordinal);
    private PhraseMatcher<T> _current;
    private long _lookups;

    public TieredMatcher(PhraseTrie<T> trie)
        : base(trie) => _current = trie.Matcher(MatcherTier.Interpreted);

    public override MatcherTier Tier => Volatile.Read(ref _current).Tier;

    public long Lookups => Interlocked.Read(ref _lookups);

    public override bool TryMatch(ReadOnlySpan<Token> tokens, int start, bool allowSingular, out TermMatch<T> match)
    {
        var n = Interlocked.Increment(ref _lookups);
        if (n is FrozenAfter or CompiledAfter or GeneratedAfter)
        {
            Promote(n);
        }

        var current = Volatile.Read(ref _current);
        var found = current.TryMatch(tokens, start, allowSingular, out match);
        if (found && current.Tier == MatcherTier.Compiled)
        {
            _matchedWords.TryAdd(tokens[start].Norm, 0); // bounded: only lexicon words can match
        }

        return found;
    }

    protected override int Step(int state, string word) => throw new NotSupportedException("A tiered matcher delegates whole lookups.");

    private void Promote(long lookups)
    {
        var next = lookups switch
        {
            FrozenAfter => Trie.Matcher(MatcherTier.Frozen),
            CompiledAfter => Trie.Matcher(MatcherTier.Compiled),
            _ => Trie.Matcher(MatcherTier.Generated, _matchedWords.Keys),
        };
        Volatile.Write(ref _current, next);
    }
}
