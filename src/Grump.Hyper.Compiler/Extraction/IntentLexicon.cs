using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Reflection;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Extraction;

internal sealed record TechTerm(string Canonical, string Category, bool Ambiguous);

internal sealed record FeatureTerm(string Canonical);

internal sealed record ActorTerm(string Canonical);

internal sealed record DataFlowTerm(string Kind);

/// <summary>The kinds of cue in negation.txt, matched as one set of phrases so the longest wins where they overlap.</summary>
internal enum NegationKind : byte
{
    Cue,
    CueBefore,
    Cancel,
    Exception,
    Removal,
    Replace,
    RemovalIfTech,
    RemovalAfterMigrate,
    RemovalBefore,
    NotRemoval,
}

internal sealed record FeatureRule(string From, string To, string Reason)
{
    /// <summary>The rule as a module lists it, made once: every module with the feature shares it.</summary>
    public FeatureDependency Edge { get; } = new(From, To, Reason);
}

/// <summary>
/// Every word list and rule of the English extraction, read once from the data files in
/// <c>Extraction/Lexicon/*.txt</c> and frozen. Code holds no vocabulary of its own.
/// </summary>
internal sealed record IntentLexicon
{
    private static readonly Lazy<IntentLexicon> LazyDefault = new(Load);

    private IntentLexicon() { }

    /// <summary>The lexicon with frozen matchers: what the plain compiler uses.</summary>
    public static IntentLexicon Default => LazyDefault.Value;

    /// <summary>The same words with every matcher at one of the compiler's tiers (each gives the same matches).</summary>
    public IntentLexicon At(MatcherTier tier) => With(WordSteps.At(tier));

    /// <summary>The same words with every matcher stepping through what <paramref name="steps"/> builds from its trie.</summary>
    public IntentLexicon With(Func<TrieEdges, WordSteps> steps) => this with
    {
        Tech = Tech.Trie.Matcher(steps),
        Features = Features.Trie.Matcher(steps),
        Actors = Actors.Trie.Matcher(steps),
        DataFlows = DataFlows.Trie.Matcher(steps),
        Negation = Negation.Trie.Matcher(steps),
        Verbs = Verbs.Trie.Matcher(steps),
        Signals = Signals.Trie.Matcher(steps),
    };

    /// <summary>Each matcher's current tier, for metrics.</summary>
    public IReadOnlyList<MatcherTier> Tiers => [Tech.Tier, Features.Tier, Actors.Tier, DataFlows.Tier, Negation.Tier, Verbs.Tier, Signals.Tier];

    public required PhraseMatcher<TechTerm> Tech { get; init; }
    public required PhraseMatcher<FeatureTerm> Features { get; init; }
    public required PhraseMatcher<ActorTerm> Actors { get; init; }
    public required PhraseMatcher<DataFlowTerm> DataFlows { get; init; }
    public required PhraseMatcher<NegationKind> Negation { get; init; }

    /// <summary>Phrases in which an English-word alias is English (english.txt); true: even when written as a name.</summary>
    public required PhraseMatcher<bool> English { get; init; }

    /// <summary>Phrases in which a role noun names no one ("vendor lock-in", "user interface"): not-actors.txt.</summary>
    public required PhraseMatcher<bool> NotActors { get; init; }
    public required PhraseMatcher<string> Verbs { get; init; }

    /// <summary>Each word's verb action once worked out (its inflections tried against <see cref="Verbs"/>), shared by every tier's copy.</summary>
    public WordMemo VerbForms { get; } = new();

    /// <summary>Each header actor's canonical name once worked out: headers name the same few actors in every file.</summary>
    public WordMemo ActorNames { get; } = new();

    /// <summary><see cref="VerbForms"/> by word number, for the tokens that have one.</summary>
    public WordStrings VerbsByWord { get; } = new();

    public required PhraseMatcher<ImmutableArray<string>> Signals { get; init; }
    public required FrozenSet<string> NegationPredicate { get; init; }
    public required FrozenSet<string> NegationBoundary { get; init; }

    /// <summary>"tech:SIGNAL" and "feature:SIGNAL" rows of signals.txt: the canonical names whose presence is the signal.</summary>
    public required FrozenDictionary<string, FrozenSet<string>> SignalNames { get; init; }

    // The closed word classes of grammar.txt, each resolved once here (they are read per token).
    public required FrozenSet<string> Copulas { get; init; }

    public required FrozenSet<string> Pronouns { get; init; }

    public required FrozenSet<string> ActorStops { get; init; }

    public required FrozenSet<string> TechCues { get; init; }

    public required FrozenSet<string> PassingPrepositions { get; init; }

    /// <summary>True when the named signal row lists the name; a row that is not there lists nothing.</summary>
    public bool Lists(string key, string name) => SignalNames.TryGetValue(key, out var names) && names.Contains(name);

    /// <summary>Features whose module has a user interface (the project:ui row of signals.txt): evidence of a web app.</summary>
    public required FrozenSet<string> UiFeatures { get; init; }

    /// <summary>Words that introduce what replaces a removed technology ("with", "for", "onto").</summary>
    public required FrozenSet<string> Replacement { get; init; }

    /// <summary>Words that, shortly before a removal verb, make it something users do in the product ("users can delete").</summary>
    public required FrozenSet<string> Capability { get; init; }

    /// <summary>The team as a subject ("we can retire Memcached" is development work, not a product capability).</summary>
    public required FrozenSet<string> Team { get; init; }
    public required FrozenSet<string> SlashWords { get; init; }
    public required ImmutableArray<FeatureRule> Rules { get; init; }
    public required FrozenDictionary<string, ImmutableArray<FeatureRule>> RulesByFrom { get; init; }
    public required ImmutableArray<(string A, string B)> ExclusiveTech { get; init; }
    public required int TechAliasCount { get; init; }
    public required int FeatureSynonymCount { get; init; }

    private static IntentLexicon Load()
    {
        var tech = new List<(string, TechTerm)>();
        foreach (var f in Rows("tech"))
        {
            var plain = new TechTerm(f[0], f[1], Ambiguous: false);
            var ambiguous = plain with { Ambiguous = true };
            foreach (var alias in List(f[2]))
            {
                tech.Add(alias.EndsWith('?') ? (alias[..^1], ambiguous) : (alias, plain));
            }
        }

        // Phrases in which an English-word alias is English; the value says whether even a capitalised name is.
        var english = new List<(string, bool)>();
        foreach (var f in Rows("english"))
        {
            foreach (var phrase in List(f[1]))
            {
                var text = phrase.TrimEnd('!');
                if (!text.Split(' ', '-', '/').Contains(f[0]))
                {
                    throw new InvalidDataException($"english.txt: '{phrase}' does not contain '{f[0]}'");
                }

                english.Add((text, phrase.EndsWith('!')));
            }
        }

        var grammar = Rows("grammar").ToDictionary(f => f[0], f => List(f[1]).ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var notActors = Rows("not-actors").SelectMany(f => List(f[0]).Select(a => (a, true))).ToList();

        var features = Rows("features").SelectMany(f => List(f[1]).Append(f[0]).Distinct().Select(a => (a, new FeatureTerm(f[0])))).ToList();
        var actors = Rows("actors").SelectMany(f => List(f[1]).Append(f[0]).Distinct().Select(a => (a, new ActorTerm(f[0])))).ToList();
        var flows = Rows("dataflows").SelectMany(f => List(f[1]).Select(a => (a, new DataFlowTerm(f[0])))).ToList();
        var verbs = Rows("verbs").SelectMany(f => List(f[1]).Select(a => (a, f[0]))).ToList();

        var negation = new List<(string, NegationKind)>();
        var predicate = new List<string>();
        var boundary = new List<string>();
        var replacement = new List<string>();
        var capability = new List<string>();
        var team = new List<string>();
        foreach (var f in Rows("negation"))
        {
            switch (f[0])
            {
                case "cue": negation.AddRange(List(f[1]).Select(a => (a, NegationKind.Cue))); break;
                case "cue-before": negation.AddRange(List(f[1]).Select(a => (a, NegationKind.CueBefore))); break;
                case "cancel": negation.AddRange(List(f[1]).Select(a => (a, NegationKind.Cancel))); break;
                case "exception": negation.AddRange(List(f[1]).Select(a => (a, NegationKind.Exception))); break;
                case "removal": negation.AddRange(List(f[1]).Select(a => (a, NegationKind.Removal))); break;
                case "replace": negation.AddRange(List(f[1]).Select(a => (a, NegationKind.Replace))); break;
                case "removal-if-tech": negation.AddRange(List(f[1]).Select(a => (a, NegationKind.RemovalIfTech))); break;
                case "removal-after-migrate": negation.AddRange(List(f[1]).Select(a => (a, NegationKind.RemovalAfterMigrate))); break;
                case "removal-before": negation.AddRange(List(f[1]).Select(a => (a, NegationKind.RemovalBefore))); break;
                case "not-removal": negation.AddRange(List(f[1]).Select(a => (a, NegationKind.NotRemoval))); break;
                case "replacement": replacement.AddRange(List(f[1])); break;
                case "capability": capability.AddRange(List(f[1])); break;
                case "team": team.AddRange(List(f[1])); break;
                case "predicate": predicate.AddRange(List(f[1])); break;
                case "boundary": boundary.AddRange(List(f[1])); break;
                default: throw new InvalidDataException($"negation.txt: unknown kind '{f[0]}'");
            }
        }

        var signals = new List<(string, string)>();
        var byCanonical = new List<(string Key, FrozenSet<string> Names)>();
        var exclusive = ImmutableArray.CreateBuilder<(string, string)>();
        foreach (var f in Rows("signals"))
        {
            if (f[0].StartsWith("tech:", StringComparison.Ordinal) || f[0].StartsWith("feature:", StringComparison.Ordinal))
            {
                byCanonical.Add((f[0], List(f[1]).ToFrozenSet(StringComparer.Ordinal)));
            }
            else if (f[0] == "exclusive")
            {
                foreach (var pair in List(f[1]))
                {
                    var parts = pair.Split(' ');
                    exclusive.Add((parts[0], parts[1]));
                }
            }
            else
            {
                signals.AddRange(List(f[1]).Select(a => (a, f[0])));
            }
        }

        var rules = Rows("rules").Select(f =>
        {
            var ends = f[0].Split("->", StringSplitOptions.TrimEntries);
            return new FeatureRule(ends[0], ends[1], f[1]);
        }).ToImmutableArray();

        var slashWords = tech.Select(t => t.Item1).Concat(features.Select(t => t.a)).Concat(flows.Select(t => t.a))
            .SelectMany(a => a.Split(' ')).Where(w => w.Contains('/', StringComparison.Ordinal)).ToFrozenSet(StringComparer.Ordinal);

        return new IntentLexicon
        {
            Tech = Trie(tech, hyphenVariants: false),
            Features = Trie(features, hyphenVariants: true),
            Actors = Trie(actors, hyphenVariants: true),
            DataFlows = Trie(flows, hyphenVariants: true),
            Negation = Trie(negation, hyphenVariants: false),
            English = Trie(english, hyphenVariants: false),
            NotActors = Trie(notActors, hyphenVariants: true),
            Verbs = Trie(verbs, hyphenVariants: false),
            Signals = Trie(signals.GroupBy(s => s.Item1, StringComparer.Ordinal).Select(g => (g.Key, g.Select(s => s.Item2).ToImmutableArray())).ToList(), hyphenVariants: true),
            NegationPredicate = predicate.ToFrozenSet(StringComparer.Ordinal),
            NegationBoundary = boundary.Where(b => !b.Contains(' ', StringComparison.Ordinal)).ToFrozenSet(StringComparer.Ordinal),
            Replacement = replacement.ToFrozenSet(StringComparer.Ordinal),
            UiFeatures = signals.Where(x => x.Item2 == "project:ui").Select(x => x.Item1).ToFrozenSet(StringComparer.Ordinal),
            SignalNames = byCanonical.ToFrozenDictionary(x => x.Key, x => x.Names, StringComparer.Ordinal),
            Copulas = grammar["copula"],
            Pronouns = grammar["pronoun"],
            ActorStops = grammar["actor-stop"],
            TechCues = grammar["tech-cue"],
            PassingPrepositions = grammar["passing-preposition"],
            Capability = capability.Where(c => !c.Contains(' ', StringComparison.Ordinal)).ToFrozenSet(StringComparer.Ordinal),
            Team = team.ToFrozenSet(StringComparer.Ordinal),
            SlashWords = slashWords,
            Rules = rules,
            RulesByFrom = rules.GroupBy(r => r.From, StringComparer.Ordinal)
                .ToFrozenDictionary(g => g.Key, g => g.ToImmutableArray(), StringComparer.Ordinal),
            ExclusiveTech = exclusive.ToImmutable(),
            TechAliasCount = tech.Count,
            FeatureSynonymCount = features.Count,
        };
    }

    private static PhraseMatcher<T> Trie<T>(List<(string Alias, T Value)> entries, bool hyphenVariants)
    {
        IEnumerable<(string[], T)> Expand()
        {
            foreach (var (alias, value) in entries)
            {
                var words = alias.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                yield return (words, value);
                if (!hyphenVariants)
                {
                    continue;
                }

                // "real-time" and "real time" are the same phrase; so are "e-commerce" and "e commerce".
                if (words.Length > 1)
                {
                    yield return ([string.Join('-', words)], value);
                }
                else if (alias.Contains('-', StringComparison.Ordinal))
                {
                    yield return (alias.Split('-', StringSplitOptions.RemoveEmptyEntries), value);
                }
            }
        }

        return PhraseTrie<T>.Build(Expand()).Matcher(MatcherTier.Frozen);
    }

    private static IEnumerable<string> List(string field) =>
        field.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => a.ToLowerInvariant());

    private static IEnumerable<string[]> Rows(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Lexicon.{name}.txt")
            ?? throw new InvalidOperationException($"The lexicon file {name}.txt is not embedded in the compiler.");
        using var reader = new StreamReader(stream);
        var rows = new List<string[]>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            rows.Add(line.Split('|', StringSplitOptions.TrimEntries));
        }

        return rows;
    }
}
