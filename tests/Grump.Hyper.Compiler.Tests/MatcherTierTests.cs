using System.Text;
using Grump.Hyper.Compiler.Extraction;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Text;

namespace Grump.Hyper.Compiler.Tests;

public sealed class MatcherTierTests
{
    private static readonly MatcherTier[] AllTiers = Enum.GetValues<MatcherTier>();

    public static TheoryData<MatcherTier> Tiers => [.. AllTiers];

    [Theory]
    [MemberData(nameof(Tiers))]
    public void Every_tier_compiles_the_example_project_to_the_same_modules(MatcherTier tier)
    {
        var matchers = MatcherSet.At(tier);
        Assert.All(matchers.Tiers, t => Assert.Equal(tier, t));
        foreach (var file in ExampleFiles())
        {
            var expected = ModuleCompiler.Compile(file, false, CompilationOptions.Default);
            var actual = ModuleCompiler.Compile(file, false, CompilationOptions.Default, matchers);
            Assert.Equal(expected.Rendered, actual.Rendered);
            Assert.Equal(expected.Diagnostics, actual.Diagnostics);
        }
    }

    [Fact]
    public void Every_tier_finds_the_same_matches_in_random_text()
    {
        // Lexicon words, their plurals, hyphen joins and noise, shuffled: the kind of text that finds
        // disagreements between data structures if there are any.
        var lexicon = IntentLexicon.Default;
        var words = new[]
        {
            "ruby", "on", "rails", "react", "native", "postgres", "users", "user", "shopping", "cart", "carts", "real", "time",
            "real-time", "two-factor", "authentication", "admins", "admin", "don't", "use", "no", "without", "build", "migrate",
            "export", "csv", "stripe", "payments", "search", "full-text", "go", "next", "spring", "kafka", "the", "and", "with",
            "dashboards", "charts", "zzz", "audit", "log", "logs", "email", "notifications", "push", "customers", "support", "agent",
        };
        var random = new Random(7);
        var lexicons = AllTiers.Select(t => lexicon.At(t)).Append(lexicon.At(MatcherTier.Generated, words)).ToArray();
        for (var round = 0; round < 300; round++)
        {
            var text = string.Join(random.Next(5) == 0 ? ". " : " ", Enumerable.Range(0, 5 + random.Next(30)).Select(_ => words[random.Next(words.Length)])) + ".";
            var (tokens, _) = Tokenizer.Tokenize(text, new TextSpan(0, text.Length), lexicon);
            foreach (var singular in new[] { false, true })
            {
                var expected = Describe(lexicon, tokens, singular);
                foreach (var other in lexicons)
                {
                    Assert.Equal(expected, Describe(other, tokens, singular));
                }
            }
        }
    }

    [Fact]
    public void A_tiered_matcher_is_promoted_by_lookups_and_keeps_its_answers()
    {
        var lexicon = IntentLexicon.Default.Tiered();
        var text = "As a customer I want a shopping cart with Stripe payments and real-time updates, without Kafka.";
        var (tokens, _) = Tokenizer.Tokenize(text, new TextSpan(0, text.Length), lexicon);
        var expected = Describe(IntentLexicon.Default, tokens, true);
        Assert.Equal(MatcherTier.Interpreted, lexicon.Features.Tier);
        var seen = new HashSet<MatcherTier>();
        var tiered = (TieredMatcher<FeatureTerm>)lexicon.Features;
        while (tiered.Lookups < TieredMatcher<FeatureTerm>.GeneratedAfter + tokens.Length)
        {
            seen.Add(lexicon.Features.Tier);
            Assert.Equal(Describe(IntentLexicon.Default, tokens, true).Features, Describe(lexicon, tokens, true).Features);
        }

        Assert.Equal(AllTiers, seen.Order());
        Assert.Equal(MatcherTier.Generated, lexicon.Features.Tier);
        Assert.Equal(expected, Describe(lexicon, tokens, true));
    }

    private static (string Tech, string Features, string Actors, string Flows, string Negation, string Verbs, string Signals) Describe(IntentLexicon lexicon, Token[] tokens, bool singular)
    {
        static string Show<T>(List<TermMatch<T>> matches) => string.Join(";", matches.Select(m => $"{m.Token}+{m.Length}={Value(m.Value)}"));
        static string Value(object? value) => value is System.Collections.IEnumerable list and not string ? string.Join(",", list.Cast<object>()) : value?.ToString() ?? "";
        return (
            Show(lexicon.Tech.MatchAll(tokens, singular)),
            Show(lexicon.Features.MatchAll(tokens, singular)),
            Show(lexicon.Actors.MatchAll(tokens, singular)),
            Show(lexicon.DataFlows.MatchAll(tokens, singular)),
            Show(lexicon.Negation.MatchAll(tokens, singular)),
            Show(lexicon.Verbs.MatchAll(tokens, singular)),
            Show(lexicon.Signals.MatchAll(tokens, singular)));
    }

    private static IEnumerable<SourceFile> ExampleFiles() =>
        Directory.EnumerateFiles(Path.Combine(Repository.Root, "examples", "shop"), "*.intent", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => new SourceFile(Path.GetRelativePath(Path.Combine(Repository.Root, "examples", "shop"), f).Replace('\\', '/'), File.ReadAllBytes(f)));
}
