namespace Grump.Hyper.Compiler.Extraction;

/// <summary>
/// The lexicon matchers one compile uses, at a fixed tier or self-promoting. Which one never changes a
/// module: only how fast its English is read.
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

    public static MatcherSet At(MatcherTier tier) => new(IntentLexicon.Default.At(tier));

    /// <summary>Matchers that start interpreted and promote themselves by lookup counts.</summary>
    public static MatcherSet Tiered() => new(IntentLexicon.Default.Tiered());
}
