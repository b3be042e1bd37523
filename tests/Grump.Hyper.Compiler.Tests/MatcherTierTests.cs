using System.Text;
using Grump.Hyper.Compiler.Extraction;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Text;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// The compiler's own matcher tiers and its <see cref="WordSteps"/> seam give the same matches (the engine's
/// compiled, generated and self-promoting lookups are tested in the engine, through the same seam).
/// </summary>
public sealed class MatcherTierTests
{
    private static readonly MatcherTier[] CompilerTiers = [MatcherTier.Interpreted, MatcherTier.Frozen];

    public static TheoryData<MatcherTier> Tiers => [.. CompilerTiers];

    /// <summary>Another data structure behind the seam: each node's words sorted, found by binary search.</summary>
    private sealed class SortedSteps(TrieEdges edges) : WordSteps
    {
        private readonly (string[] Words, int[] Next)[] _nodes = [.. edges.Nodes.Select(n =>
        {
            var pairs = n.OrderBy(p => p.Key, StringComparer.Ordinal).ToArray();
            return (pairs.Select(p => p.Key).ToArray(), pairs.Select(p => p.Value).ToArray());
        })];

        public override MatcherTier Tier => MatcherTier.Compiled;

        public override int Follow(int state, string word)
        {
            var (words, next) = _nodes[state];
            var at = Array.BinarySearch(words, word, StringComparer.Ordinal);
            return at >= 0 ? next[at] : -1;
        }
    }

    [Fact]
    public void The_engines_tiers_are_not_the_compilers()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MatcherSet.At(MatcherTier.Compiled));
        Assert.Throws<ArgumentOutOfRangeException>(() => MatcherSet.At(MatcherTier.Generated));
    }

    [Fact]
    public void Lookups_plugged_in_through_the_seam_compile_the_example_project_to_the_same_modules()
    {
        var matchers = MatcherSet.With(edges => new SortedSteps(edges));
        Assert.All(matchers.Tiers, t => Assert.Equal(MatcherTier.Compiled, t));
        foreach (var file in ExampleFiles())
        {
            var expected = ModuleCompiler.Compile(file, false, CompilationOptions.Default);
            var actual = ModuleCompiler.Compile(file, false, CompilationOptions.Default, matchers);
            Assert.Equal(expected.Rendered, actual.Rendered);
            Assert.Equal(expected.Diagnostics, actual.Diagnostics);
        }
    }

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
    public void Every_tier_finds_the_same_matches_in_random_text_with_and_without_word_numbers()
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
        var lexicons = CompilerTiers.Select(t => lexicon.At(t)).Append(lexicon.With(edges => new SortedSteps(edges))).ToArray();
        for (var round = 0; round < 300; round++)
        {
            var text = string.Join(random.Next(5) == 0 ? ". " : " ", Enumerable.Range(0, 5 + random.Next(30)).Select(_ => words[random.Next(words.Length)])) + ".";
            var (tokens, _) = Tokenizer.Tokenize(text, new TextSpan(0, text.Length), lexicon);
            // Numbered words take their first step (and their singular) from a per-word cache; unnumbered ones work it out.
            Assert.All(tokens, t => Assert.True(!t.IsWord || t.Word > 0));
            Token[] unnumbered = [.. tokens.Select(t => t with { Word = 0 })];
            foreach (var singular in new[] { false, true })
            {
                var expected = Describe(lexicon, tokens, singular);
                Assert.Equal(expected, Describe(lexicon, unnumbered, singular));
                foreach (var other in lexicons)
                {
                    Assert.Equal(expected, Describe(other, tokens, singular));
                }
            }
        }
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
