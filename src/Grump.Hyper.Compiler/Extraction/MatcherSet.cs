namespace Grump.Hyper.Compiler.Extraction;

/// <summary>
/// The lexicon matchers one compile uses: at one of the compiler's tiers, or stepping through an engine's
/// <see cref="WordSteps"/>. Which one never changes a module: only how fast its English is read.
/// </summary>
public sealed class MatcherSet
{
    private static readonly Lazy<MatcherSet> LazyDefault = new(() => new MatcherSet(IntentLexicon.Default));

    private MatcherSet(IntentLexicon lexicon) => Lexicon = lexicon;

    /// <summary>Frozen matchers, what the plain compiler uses.</summary>
    public static MatcherSet Default => LazyDefault.Value;

    internal IntentLexicon Lexicon { get; }

    /// <summary>The current tier of each matcher (tech, features, actors, data flows, negation, verbs, signals).</summary>
    public IReadOnlyList<MatcherTier> Tiers => Lexicon.Tiers;

    /// <summary>Every matcher at <see cref="MatcherTier.Interpreted"/> or <see cref="MatcherTier.Frozen"/>, the compiler's own tiers.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A tier the compiler does not carry (an engine's: see <see cref="With"/>).</exception>
    public static MatcherSet At(MatcherTier tier) => new(IntentLexicon.Default.At(tier));

    /// <summary>
    /// Every matcher stepping through what <paramref name="steps"/> builds from its trie, once per trie: the seam for
    /// an engine's faster or self-promoting lookups (code generation is not the language's). The answers must be
    /// the same as the compiler's own tiers give.
    /// </summary>
    public static MatcherSet With(Func<TrieEdges, WordSteps> steps) => new(IntentLexicon.Default.With(steps));
}
