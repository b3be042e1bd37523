using System.Collections.Immutable;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Text;

namespace Grump.Hyper.Compiler.Extraction;

/// <summary>
/// Reads the English body of one intent: actors, features with their verbs, technologies, data flows,
/// negation, and the module's kind. Deterministic and rule-based: every result points at a line.
/// </summary>
internal sealed class IntentExtractor
{
    private const int MaxNegationScope = 14;
    private const int MaxSentenceText = 400;

    /// <summary>The tokens of the file being read on this thread: made once per thread, never kept past one extraction.</summary>
    [ThreadStatic]
    private static List<Token>? t_tokens;

    private readonly IntentLexicon _lexicon;

    public IntentExtractor(IntentLexicon lexicon) => _lexicon = lexicon;

    public IntentExtraction Extract(SourceText source, TextSpan body, ImmutableArray<string> headerActors, DiagnosticBag diagnostics)
    {
        var tokens = t_tokens ??= new List<Token>(256);
        var sentences = Tokenizer.Tokenize(source.Text, body, _lexicon, tokens);
        if (tokens.Count == 0)
        {
            diagnostics.Report(DiagnosticCatalog.EmptyBody, source, body.Start);
        }

        var span = (ReadOnlySpan<Token>)System.Runtime.InteropServices.CollectionsMarshal.AsSpan(tokens);
        var tech = FilterAmbiguous(span, _lexicon.Tech.MatchAll(span, allowSingular: false), _lexicon.English.MatchAll(span, allowSingular: false), _lexicon.TechCues);
        var features = _lexicon.Features.MatchAll(span, allowSingular: true);
        var covered = Coverage(span.Length, tech, features);
        var cues = _lexicon.Negation.MatchAll(span, allowSingular: false);
        var negated = NegationScopes(span, covered, cues);
        var verbs = VerbActions(span, covered);
        TestsFor(span, features, verbs);
        var removals = RemovalScopes(span, covered, tech, cues, negated, verbs);
        var (passing, preserved) = PassingMentions(span, features);

        var featureInfos = Features(source, span, features, negated, removals, verbs, passing, preserved);
        var techInfos = Tech(source, span, tech, negated, removals, diagnostics, out var techOffsets);
        var wantedFeatures = featureInfos.Where(f => !f.Negated).Select(f => f.Name).ToImmutableArray();
        var wantedTech = techInfos.Where(t => !t.Negated).ToImmutableArray();
        ReportExclusive(source, wantedTech, techOffsets, diagnostics);

        var dependencies = Dependencies(wantedFeatures);
        featureInfos = Prioritise(featureInfos, dependencies);
        var signals = Signals(span, negated);
        var actors = Actors(span, headerActors, covered, signals);
        var flows = DataFlows(source, span, negated);
        var projectType = ProjectType(signals, wantedTech, wantedFeatures);
        var architecture = Architecture(signals, wantedTech, wantedFeatures);
        var complexity = Math.Min(1.0, (wantedFeatures.Length + wantedTech.Length > 0 ? 0.1 : 0) +
            Math.Min(0.4, 0.08 * wantedFeatures.Length) + Math.Min(0.3, 0.05 * wantedTech.Length) + Math.Min(0.2, 0.04 * dependencies.Length));
        var confidence = Confidence(actors, headerActors, featureInfos, techInfos, sentences.Length);

        return new IntentExtraction(actors, featureInfos, techInfos, flows, projectType, architecture,
            Round(complexity), Round(confidence), dependencies, Sentences(source, sentences, features, tech));
    }

    private static double Round(double value) => Math.Round(value, 3, MidpointRounding.AwayFromZero);

    /// <summary>
    /// Ambiguous aliases ("Go", "Next", "Spring") count only when written as names or beside other tech, and never
    /// inside a phrase where they are English ("go with Postgres", "next to the cart") unless written as a name
    /// mid-sentence ("we use Go with Postgres"); some phrases are English even then ("Ask Julia from support").
    /// </summary>
    private static List<TermMatch<TechTerm>> FilterAmbiguous(ReadOnlySpan<Token> tokens, List<TermMatch<TechTerm>> matches, List<TermMatch<bool>> english,
        System.Collections.Frozen.FrozenSet<string> techCues)
    {
        var kept = new List<TermMatch<TechTerm>>(matches.Count);
        var inEnglish = english.Count == 0 ? null : new sbyte[tokens.Length]; // 1: English phrase; 2: English even as a name
        foreach (var phrase in english)
        {
            for (var i = phrase.Token; i < phrase.Token + phrase.Length; i++)
            {
                inEnglish![i] = phrase.Value ? (sbyte)2 : (sbyte)1;
            }
        }

        for (var m = 0; m < matches.Count; m++)
        {
            var match = matches[m];
            if (!match.Value.Ambiguous || tokens[match.Token].Norm.Contains('.', StringComparison.Ordinal))
            {
                kept.Add(match);
                continue;
            }

            var first = tokens[match.Token];
            var sentenceInitial = match.Token == 0 || tokens[match.Token - 1].Sentence != first.Sentence;
            var besideTech = IsBesideTech(tokens, matches, m);
            var cued = match.Token > 0 && techCues.Contains(tokens[match.Token - 1].Norm);
            var singleLetter = first.Length == 1;
            var asName = first.Capitalized && !sentenceInitial;
            var plain = inEnglish is null ? 0 : inEnglish[match.Token];
            var keep = plain == 2 ? false
                : plain == 1 ? asName
                : singleLetter ? first.Capitalized && (besideTech || cued)
                : asName || besideTech || cued;
            if (keep)
            {
                kept.Add(match);
            }
        }

        return kept;
    }

    private static bool IsBesideTech(ReadOnlySpan<Token> tokens, List<TermMatch<TechTerm>> matches, int m)
    {
        static bool Linked(ReadOnlySpan<Token> tokens, int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                if (tokens[i].Kind != TokenKind.Comma && tokens[i].Norm is not ("and" or "or" or "with" or "plus"))
                {
                    return false;
                }
            }

            return to - from <= 2;
        }

        var match = matches[m];
        if (m > 0 && !matches[m - 1].Value.Ambiguous && Linked(tokens, matches[m - 1].Token + matches[m - 1].Length, match.Token))
        {
            return true;
        }

        return m + 1 < matches.Count && !matches[m + 1].Value.Ambiguous && Linked(tokens, match.Token + match.Length, matches[m + 1].Token);
    }

    private static bool[] Coverage<TA, TB>(int count, List<TermMatch<TA>> a, List<TermMatch<TB>> b)
    {
        var covered = new bool[count];
        foreach (var m in a)
        {
            covered.AsSpan(m.Token, m.Length).Fill(true);
        }

        foreach (var m in b)
        {
            covered.AsSpan(m.Token, m.Length).Fill(true);
        }

        return covered;
    }

    /// <summary>
    /// Marks every token inside a negation scope. A cue ("no", "don't", "instead of") negates forwards to
    /// the end of its clause, through lists ("no email, SMS or push notifications"), and stops at a
    /// contrast ("but"), a new clause (", we use ...") or a new verb after what it negated.
    /// A trailing cue ("MongoDB is not allowed") negates backwards to the start of its clause.
    /// </summary>
    private bool[] NegationScopes(ReadOnlySpan<Token> tokens, bool[] covered, List<TermMatch<NegationKind>> cues)
    {
        var negated = new bool[tokens.Length];
        var cueStarts = new bool[tokens.Length];
        foreach (var cue in cues)
        {
            // Every cue ends the scope before it, a removal verb too ("don't retire Memcached" keeps Memcached);
            // phrases that only look like cues ("drag and drop") and the prepositions that remove only in
            // context ("off", "from") do not ("no emails from Mailgun" rules out both).
            cueStarts[cue.Token] = cue.Value is not (NegationKind.NotRemoval or NegationKind.RemovalIfTech or NegationKind.RemovalAfterMigrate);
        }

        var walkedBack = new bool[tokens.Length];
        var kept = new bool[tokens.Length]; // exceptions met inside a negation: "no bundler other than Vite" keeps Vite
        foreach (var cue in cues)
        {
            var after = cue.Token + cue.Length;
            if (cue.Value is not (NegationKind.Cue or NegationKind.CueBefore or NegationKind.Exception) || kept[cue.Token])
            {
                continue;
            }

            if (cue.Value == NegationKind.CueBefore)
            {
                // A token an earlier cue walked back over had everything before it walked too: stop there, so
                // many cues in one long sentence cost its length once.
                for (var j = cue.Token - 1; j >= 0 && !walkedBack[j] && tokens[j].Sentence == tokens[cue.Token].Sentence && tokens[j].IsWord &&
                     !_lexicon.NegationBoundary.Contains(tokens[j].Norm); j--)
                {
                    walkedBack[j] = true;
                    negated[j] = true;
                }

                continue;
            }

            if (after < tokens.Length && tokens[cue.Token].Norm == "not" && tokens[after].Norm == "only")
            {
                continue; // "not only X but also Y" asks for X.
            }

            if (after < tokens.Length && tokens[cue.Token].Norm == "without" && !covered[after] &&
                tokens[after].Norm.EndsWith("ing", StringComparison.Ordinal) && !_lexicon.NegationPredicate.Contains(tokens[after].Norm))
            {
                continue; // "without breaking the API" keeps the API.
            }

            var seenContent = false;
            for (var j = after; j < tokens.Length && j - after < MaxNegationScope; j++)
            {
                var t = tokens[j];
                if (t.Sentence != tokens[cue.Token].Sentence || t.Kind == TokenKind.ClauseBreak || _lexicon.NegationBoundary.Contains(t.Norm) || cueStarts[j])
                {
                    // A contrast, a new clause, or another cue, which starts its own scope; an exception after what
                    // was negated keeps what follows it instead.
                    if (cueStarts[j] && seenContent && IsException(cues, j))
                    {
                        kept[j] = true;
                    }

                    break;
                }

                if (t.Kind == TokenKind.Comma)
                {
                    if (seenContent && !ListContinues(tokens, j + 1, covered, cueStarts))
                    {
                        break;
                    }

                    continue;
                }

                if (t.Norm is "and" or "or" or "nor")
                {
                    if (seenContent && !ListContinues(tokens, j + 1, covered, cueStarts))
                    {
                        break;
                    }

                    continue;
                }

                if (!covered[j] && seenContent && IsVerbLike(t.Norm))
                {
                    break;
                }

                negated[j] = true;
                if (covered[j] || !_lexicon.NegationPredicate.Contains(t.Norm))
                {
                    seenContent = true;
                }
            }
        }

        return negated;
    }

    /// <summary>After a comma or conjunction inside a negated list: does the list go on, or does a new clause start?</summary>
    private bool ListContinues(ReadOnlySpan<Token> tokens, int next, bool[] covered, bool[] cueStarts)
    {
        if (next >= tokens.Length || !tokens[next].IsWord)
        {
            return false;
        }

        if (tokens[next].Norm is "and" or "or" or "nor")
        {
            next++;
            if (next >= tokens.Length || !tokens[next].IsWord)
            {
                return false;
            }
        }

        var word = tokens[next].Norm;
        if (_lexicon.Pronouns.Contains(word) || (!covered[next] && (IsVerbLike(word) || IsParticiple(word))))
        {
            return false; // "without Helm, using plain manifests": a participle after the comma starts a clause of its own
        }

        // "no MongoDB, Postgres is the database": the item after the comma is the subject of a new clause.
        var k = next;
        while (k < tokens.Length && covered[k] && tokens[k].IsWord)
        {
            k++;
        }

        // "..., and Redis rather than Memcached": an item followed by its own cue starts a new clause.
        // Only words of the same sentence count: what the next sentence starts with never decides this one.
        return k == next || k >= tokens.Length || tokens[k].Sentence != tokens[next].Sentence
            || (!cueStarts[k] && (!tokens[k].IsWord || !_lexicon.Copulas.Contains(tokens[k].Norm)));
    }

    private static bool IsException(List<TermMatch<NegationKind>> cues, int token)
    {
        foreach (var cue in cues)
        {
            if (cue.Token == token)
            {
                return cue.Value == NegationKind.Exception;
            }
        }

        return false;
    }

    /// <summary>
    /// Per token, whether a removal covers it (and whether features too), and the replacement it belongs to. The
    /// arrays are made on the first mark: most files remove nothing, and the per-file compile is the hot path.
    /// </summary>
    private sealed class Removals(int length)
    {
        private byte[]? _removed;
        private int[]? _group;
        private bool[]? _replacement;

        /// <summary>0: not removed; 1: removed (technologies and features); 2: removed, technologies only.</summary>
        public byte RemovedAt(int token) => _removed?[token] ?? 0;

        /// <summary>The removal (numbered from 1) a removed token, or a replacement token, belongs to; 0 for neither.</summary>
        public int GroupAt(int token) => _group?[token] ?? 0;

        public bool IsReplacement(int token) => _replacement?[token] ?? false;

        public void Remove(int token, byte mark, int group)
        {
            (_removed ??= new byte[length])[token] = mark;
            (_group ??= new int[length])[token] = group;
        }

        public void Replace(int token, int group)
        {
            (_replacement ??= new bool[length])[token] = true;
            (_group ??= new int[length])[token] = group;
        }
    }

    /// <summary>
    /// Marks what is in use today and to go. A removal cue ("retire", "get rid of") covers the rest of its clause;
    /// a replace cue ("swap", "migrate from") covers technologies only, up to a replacement word ("with", "for",
    /// "to", "onto") after which come the technologies that replace them; "off" counts only right before a
    /// technology ("off Heroku"); a trailing cue ("is being retired") covers the clause before it. A removal verb
    /// that users perform in the product ("users can delete drafts") or that is itself negated ("don't retire
    /// Memcached") removes nothing.
    /// </summary>
    private Removals RemovalScopes(ReadOnlySpan<Token> tokens, bool[] covered, List<TermMatch<TechTerm>> tech, List<TermMatch<NegationKind>> cues, bool[] negated, ReadOnlySpan<string?> verbs)
    {
        var result = new Removals(tokens.Length);
        bool[]? techCovered = null; // which tokens name a technology: only asked by "off" and "from"
        var count = tokens.Length;
        bool TechAt(int token) => token < count && (techCovered ??= Coverage(count, tech, new List<TermMatch<FeatureTerm>>()))[token];
        var group = 0;
        for (var c = 0; c < cues.Count; c++)
        {
            var cue = cues[c];
            var after = cue.Token + cue.Length;
            var sentence = tokens[cue.Token].Sentence;
            if (cue.Value is not (NegationKind.Removal or NegationKind.Replace or NegationKind.RemovalIfTech or NegationKind.RemovalAfterMigrate or NegationKind.RemovalBefore)
                || (cue.Value == NegationKind.RemovalIfTech && !TechAt(after))
                || (cue.Value == NegationKind.RemovalAfterMigrate && !(TechAt(after) && MigrateBefore(tokens, verbs, cue.Token)))
                || IsCapability(tokens, cue.Token) || IsNegatedVerb(tokens, cue.Token, cues, c, negated))
            {
                continue;
            }

            group++;
            var mark = cue.Value is NegationKind.Removal or NegationKind.RemovalBefore ? (byte)1 : (byte)2;
            if (cue.Value == NegationKind.RemovalBefore)
            {
                for (var j = cue.Token - 1; j >= 0 && tokens[j].Sentence == sentence && tokens[j].IsWord && !_lexicon.NegationBoundary.Contains(tokens[j].Norm); j--)
                {
                    result.Remove(j, mark, group);
                }

                // "Memcached is being replaced by Redis": the replacement follows the cue.
                if (after < tokens.Length && tokens[after].Sentence == sentence && _lexicon.Replacement.Contains(tokens[after].Norm))
                {
                    MarkReplacement(tokens, after + 1, sentence, group, result);
                }

                continue;
            }

            var seenContent = false;
            for (var j = after; j < tokens.Length && j - after < 2 * MaxNegationScope; j++)
            {
                var t = tokens[j];
                if (t.Sentence != sentence || t.Kind == TokenKind.ClauseBreak || _lexicon.NegationBoundary.Contains(t.Norm) || (j > after && IsCueAt(cues, c, j)))
                {
                    break;
                }

                if (seenContent && _lexicon.Replacement.Contains(t.Norm))
                {
                    MarkReplacement(tokens, j + 1, sentence, group, result);
                    break;
                }

                if (!covered[j] && seenContent && t.IsWord && IsVerbLike(t.Norm))
                {
                    break; // "retire Memcached and move sessions to Redis": a new verb, a new clause
                }

                result.Remove(j, mark, group);
                seenContent |= covered[j];
            }
        }

        return result;
    }

    /// <summary>A migrate verb earlier in the clause ("migrate the old order tables from MySQL to PostgreSQL").</summary>
    private static bool MigrateBefore(ReadOnlySpan<Token> tokens, ReadOnlySpan<string?> verbs, int cue)
    {
        for (var j = cue - 1; j >= 0 && tokens[j].Sentence == tokens[cue].Sentence && tokens[j].Kind != TokenKind.ClauseBreak; j--)
        {
            if (verbs[j] == "migrate")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Features named only in passing, with no work asked for them: right after another feature and a preposition
    /// ("alerting on checkout errors": the work is the alerting). And features to keep as they are, inside
    /// "without VERBing ..." ("migrate the order tables without breaking the existing reports"): wanted, and
    /// their work is checking they still work (action test), not the sentence's migration.
    /// </summary>
    /// <returns>Per token, or null where nothing is (most files).</returns>
    private (bool[]? Passing, bool[]? Preserved) PassingMentions(ReadOnlySpan<Token> tokens, List<TermMatch<FeatureTerm>> features)
    {
        bool[]? passing = null;
        bool[]? preserved = null;
        for (var i = 0; i + 1 < tokens.Length; i++)
        {
            if (tokens[i].Norm == "without" && IsParticiple(tokens[i + 1].Norm))
            {
                for (var j = i + 1; j < tokens.Length && tokens[j].Sentence == tokens[i].Sentence && tokens[j].Kind is not (TokenKind.ClauseBreak or TokenKind.Comma); j++)
                {
                    (preserved ??= new bool[tokens.Length])[j] = true;
                }
            }
        }

        for (var f = 1; f < features.Count; f++)
        {
            var before = features[f - 1];
            var at = before.Token + before.Length;
            if (at + 1 == features[f].Token && tokens[at].IsWord && _lexicon.PassingPrepositions.Contains(tokens[at].Norm))
            {
                (passing ??= new bool[tokens.Length])[features[f].Token] = true;
            }
        }

        return (passing, preserved);
    }

    private void MarkReplacement(ReadOnlySpan<Token> tokens, int from, int sentence, int group, Removals result)
    {
        for (var j = from; j < tokens.Length && j - from < MaxNegationScope; j++)
        {
            var t = tokens[j];
            if (t.Sentence != sentence || t.Kind == TokenKind.ClauseBreak || _lexicon.NegationBoundary.Contains(t.Norm))
            {
                break;
            }

            result.Replace(j, group);
        }
    }

    /// <summary>True when another cue than the one at <paramref name="self"/> starts at <paramref name="token"/>.</summary>
    private static bool IsCueAt(List<TermMatch<NegationKind>> cues, int self, int token)
    {
        for (var k = self + 1; k < cues.Count && cues[k].Token <= token; k++)
        {
            if (cues[k].Token == token && cues[k].Value != NegationKind.NotRemoval)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// "users can delete", "let admins remove", "customers can export their data and delete their account": a
    /// capability word earlier in the verb's clause, unless the team is its subject ("we can retire Memcached").
    /// </summary>
    private bool IsCapability(ReadOnlySpan<Token> tokens, int cue)
    {
        for (var j = cue - 1; j >= 0 && j >= cue - MaxNegationScope && tokens[j].Sentence == tokens[cue].Sentence && tokens[j].Kind != TokenKind.ClauseBreak; j--)
        {
            if (_lexicon.Capability.Contains(tokens[j].Norm))
            {
                return j == 0 || tokens[j - 1].Sentence != tokens[j].Sentence || !_lexicon.Team.Contains(tokens[j - 1].Norm);
            }
        }

        return false;
    }

    /// <summary>"don't retire", "never deprecate": a negation cue ends right before the removal verb, or two words before with "to" between.</summary>
    private static bool IsNegatedVerb(ReadOnlySpan<Token> tokens, int cue, List<TermMatch<NegationKind>> cues, int index, bool[] negated)
    {
        for (var k = index - 1; k >= 0; k--)
        {
            var before = cues[k];
            var end = before.Token + before.Length;
            if (before.Value is NegationKind.Cue && tokens[before.Token].Sentence == tokens[cue].Sentence && (end == cue || (end == cue - 1 && tokens[end].Norm == "to")))
            {
                return true;
            }

            if (end < cue - 1)
            {
                break;
            }
        }

        return cue > 0 && negated[cue - 1] && tokens[cue - 1].Norm is "to";
    }

    private bool IsVerbLike(string word) => _lexicon.Copulas.Contains(word) || VerbOf(word) is not null;

    private static bool IsParticiple(string word) => word.Length > 4 && word.EndsWith("ing", StringComparison.Ordinal);

    private string? VerbOf(string word) => _lexicon.VerbForms.Of(word, _lexicon, static (lexicon, w) => VerbOfUncached(lexicon, w));

    /// <summary>The verb action of a token's word, read by word number where it has one (every token is asked).</summary>
    private string? VerbOf(in Token token) => token.Word == 0
        ? VerbOf(token.Norm)
        : _lexicon.VerbsByWord.Get(token.Word, (_lexicon, token.Norm), static s => VerbOfUncached(s._lexicon, s.Norm));

    private static string? VerbOfUncached(IntentLexicon lexicon, string word)
    {
        Span<Token> one = [new Token(0, word.Length, word, TokenKind.Word, false, 0)];
        foreach (var form in Inflection.VerbBases(word))
        {
            one[0] = one[0] with { Norm = form };
            if (lexicon.Verbs.TryMatch(one, 0, allowSingular: false, out var m))
            {
                return m.Value;
            }
        }

        return null;
    }

    /// <summary>The action of the verb at each token, or null; multi-word verbs ("set up") count at their first word.</summary>
    private Span<string?> VerbActions(ReadOnlySpan<Token> tokens, bool[] covered)
    {
        var verbs = Scratch(ref t_verbs, tokens.Length);
        for (var i = 0; i < tokens.Length; i++)
        {
            if (!tokens[i].IsWord || covered[i])
            {
                continue;
            }

            if (_lexicon.Verbs.TryMatch(tokens, i, allowSingular: false, out var phrase) && phrase.Length > 1)
            {
                verbs[i] = phrase.Value;
                i += phrase.Length - 1;
                continue;
            }

            verbs[i] = VerbOf(tokens[i]);
        }

        for (var i = 0; i < tokens.Length; i++)
        {
            if (verbs[i] is not null && IsCapability(tokens, i))
            {
                verbs[i] = null; // "users can delete their drafts": what users do in the product, not development work
            }
        }

        return verbs;
    }

    /// <summary>"write integration tests for the invoice export": what follows tests "for" or "of" something is tested.</summary>
    private static void TestsFor(ReadOnlySpan<Token> tokens, List<TermMatch<FeatureTerm>> features, Span<string?> verbs)
    {
        foreach (var m in features)
        {
            var next = m.Token + m.Length;
            if (m.Value.Canonical.EndsWith("testing", StringComparison.Ordinal) && next < tokens.Length && tokens[next].Norm is "for" or "of" or "on")
            {
                verbs[next] = "test";
            }
        }
    }

    private static ImmutableArray<FeatureInfo> Features(SourceText source, ReadOnlySpan<Token> tokens, List<TermMatch<FeatureTerm>> matches,
        bool[] negated, Removals removals, ReadOnlySpan<string?> verbs, bool[]? passing, bool[]? preserved)
    {
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        var list = new List<FeatureInfo>();
        var actions = ActionsBefore(tokens, verbs);
        foreach (var m in matches)
        {
            if (passing?[m.Token] == true)
            {
                continue; // named in passing: the sentence lists it, the module asks nothing of it
            }

            var action = preserved?[m.Token] == true ? "test" : actions[m.Token]!; // every slot of the file's tokens is written
            var matchedAs = Text(source, tokens, m.Token, m.Length);
            var confidence = m.Length > 1 || tokens[m.Token].Norm == m.Value.Canonical ? 0.95 : 0.9;
            // A feature to be taken out is not part of what the module will have, and its task is the removal.
            var removed = removals.RemovedAt(m.Token) == 1;
            var status = removed ? MentionStatus.Removed : negated[m.Token] ? MentionStatus.Negated : MentionStatus.Wanted;
            var info = new FeatureInfo(m.Value.Canonical, removed ? FeatureActions.Remove : action, status != MentionStatus.Wanted, 5, confidence,
                source.GetLine(tokens[m.Token].Start), matchedAs, status);
            if (!byName.TryGetValue(info.Name, out var at))
            {
                byName[info.Name] = list.Count;
                list.Add(info);
            }
            else if (list[at].Negated && !info.Negated)
            {
                // Features add up: asked for anywhere, the feature is wanted (its first wanted mention speaks).
                list[at] = info;
            }
        }

        return [.. list];
    }

    /// <summary>
    /// For each token, the nearest verb before it in its sentence and clause (or build): one pass, so a long
    /// sentence costs its length, not its length times its features.
    /// </summary>
    private static ReadOnlySpan<string?> ActionsBefore(ReadOnlySpan<Token> tokens, ReadOnlySpan<string?> verbs)
    {
        var actions = Scratch(ref t_actions, tokens.Length);
        var current = FeatureActions.Build;
        for (var i = 0; i < tokens.Length; i++)
        {
            if (i > 0 && (tokens[i].Sentence != tokens[i - 1].Sentence || tokens[i - 1].Kind == TokenKind.ClauseBreak))
            {
                current = FeatureActions.Build;
            }

            actions[i] = current;
            if (tokens[i].Kind == TokenKind.ClauseBreak)
            {
                current = FeatureActions.Build;
            }
            else if (verbs[i] is { } verb)
            {
                current = verb;
            }
        }

        return actions;
    }

    // The per-token verb and action arrays of the file this thread reads, kept for the next file: two arrays a file
    // were a tenth of its allocations. Only the file's own tokens' slots are read; a huge file's arrays are not kept.
    [ThreadStatic]
    private static string?[]? t_verbs;

    [ThreadStatic]
    private static string?[]? t_actions;

    /// <summary><paramref name="length"/> slots of the thread's array, all null.</summary>
    private static Span<string?> Scratch(ref string?[]? kept, int length)
    {
        if (kept is null || kept.Length < length)
        {
            var made = new string?[Math.Max(length, 256)];
            if (length <= 1 << 16)
            {
                kept = made;
            }

            return made.AsSpan(0, length);
        }

        var slots = kept.AsSpan(0, length);
        slots.Clear();
        return slots;
    }

    private static ImmutableArray<TechInfo> Tech(SourceText source, ReadOnlySpan<Token> tokens, List<TermMatch<TechTerm>> matches,
        bool[] negated, Removals removals, DiagnosticBag diagnostics, out Dictionary<string, int> firstWanted)
    {
        // What each removal's replacement names first ("swap Angular for Svelte": Svelte replaces Angular).
        var replacements = new Dictionary<int, string>();
        foreach (var m in matches)
        {
            if (removals.IsReplacement(m.Token) && !negated[m.Token])
            {
                replacements.TryAdd(removals.GroupAt(m.Token), m.Value.Canonical);
            }
        }

        var byName = new Dictionary<string, (int Index, int WantedLine, int NegatedLine, int Offset)>(StringComparer.Ordinal);
        firstWanted = new Dictionary<string, int>(StringComparer.Ordinal);
        var list = new List<TechInfo>();
        foreach (var m in matches)
        {
            var term = m.Value;
            var line = source.GetLine(tokens[m.Token].Start);
            var removed = removals.RemovedAt(m.Token) != 0 && !removals.IsReplacement(m.Token);
            var isNegated = removed || (negated[m.Token] && !removals.IsReplacement(m.Token));
            var status = removed ? MentionStatus.Removed : isNegated ? MentionStatus.Negated : MentionStatus.Wanted;
            var confidence = term.Ambiguous ? 0.75 : 0.95;
            var info = new TechInfo(term.Canonical, Text(source, tokens, m.Token, m.Length).ToLowerInvariant(), term.Category, isNegated, confidence, line, status,
                removed && replacements.TryGetValue(removals.GroupAt(m.Token), out var by) && by != term.Canonical ? by : null);
            if (!isNegated)
            {
                firstWanted.TryAdd(term.Canonical, tokens[m.Token].Start);
            }

            if (!byName.TryGetValue(term.Canonical, out var seen))
            {
                byName[term.Canonical] = (list.Count, isNegated ? 0 : line, isNegated ? line : 0, tokens[m.Token].Start);
                list.Add(info);
                continue;
            }

            if (isNegated && (seen.NegatedLine == 0 || (removed && list[seen.Index].Status != MentionStatus.Removed)))
            {
                // Ruled out anywhere means ruled out: a negated technology never shows up as wanted; said to be in
                // use and to go anywhere, it is removed (which says more than ruled out).
                list[seen.Index] = list[seen.Index] with { Negated = true, Status = status, ReplacedBy = info.ReplacedBy ?? list[seen.Index].ReplacedBy };
                byName[term.Canonical] = seen with { NegatedLine = seen.NegatedLine == 0 ? line : seen.NegatedLine };
            }
            else if (!isNegated && seen.WantedLine == 0)
            {
                byName[term.Canonical] = seen with { WantedLine = line };
            }
        }

        foreach (var info in list) // in order of first mention, as byName numbers them
        {
            var (canonical, seen) = (info.Canonical, byName[info.Canonical]);
            if (seen.WantedLine > 0 && seen.NegatedLine > 0)
            {
                diagnostics.Report(DiagnosticCatalog.TechWantedAndNegated, source, seen.Offset, canonical, seen.WantedLine, seen.NegatedLine);
            }
        }

        return [.. list];
    }

    private void ReportExclusive(SourceText source, ImmutableArray<TechInfo> wanted, Dictionary<string, int> offsets, DiagnosticBag diagnostics)
    {
        foreach (var (a, b) in _lexicon.ExclusiveTech)
        {
            if (Has(wanted, a) && Has(wanted, b))
            {
                // Reported where the second of the two is first asked for.
                diagnostics.Report(DiagnosticCatalog.ExclusiveFrameworks, source, Math.Max(offsets[a], offsets[b]), a, b);
            }
        }
    }

    private static bool Has(ImmutableArray<TechInfo> tech, string canonical)
    {
        foreach (var t in tech)
        {
            if (t.Canonical == canonical)
            {
                return true;
            }
        }

        return false;
    }

    private ImmutableArray<FeatureDependency> Dependencies(ImmutableArray<string> wanted)
    {
        // Every rule of every wanted feature, ordered by (from, to) as the tuple comparer orders them; of two rules for
        // the same edge the first found keeps its reason. The lexicon made each edge's value once: none is made here.
        List<(FeatureDependency Edge, int Found)>? found = null;
        foreach (var name in wanted)
        {
            if (_lexicon.RulesByFrom.TryGetValue(name, out var rules))
            {
                found ??= [];
                foreach (var rule in rules)
                {
                    found.Add((rule.Edge, found.Count));
                }
            }
        }

        if (found is null)
        {
            return [];
        }

        found.Sort(static (a, b) =>
        {
            var byEdge = Comparer<(string, string)>.Default.Compare((a.Edge.From, a.Edge.To), (b.Edge.From, b.Edge.To));
            return byEdge != 0 ? byEdge : a.Found.CompareTo(b.Found);
        });
        var edges = ImmutableArray.CreateBuilder<FeatureDependency>(found.Count);
        foreach (var (edge, _) in found)
        {
            if (edges.Count == 0 || edges[^1].From != edge.From || edges[^1].To != edge.To)
            {
                edges.Add(edge);
            }
        }

        return edges.DrainToImmutable();
    }

    /// <summary>Earlier mentions come first; features others depend on move up.</summary>
    private static ImmutableArray<FeatureInfo> Prioritise(ImmutableArray<FeatureInfo> features, ImmutableArray<FeatureDependency> dependencies)
    {
        var n = features.Length;
        var builder = ImmutableArray.CreateBuilder<FeatureInfo>(n);
        for (var i = 0; i < n; i++)
        {
            var inbound = 0;
            foreach (var d in dependencies)
            {
                if (d.To == features[i].Name)
                {
                    inbound++;
                }
            }

            var raw = (1.0 - ((double)i / n)) + Math.Min(0.4, 0.2 * inbound);
            var priority = raw >= 0.9 ? 1 : raw >= 0.7 ? 2 : raw >= 0.5 ? 3 : raw >= 0.3 ? 4 : 5;
            builder.Add(features[i] with { Priority = priority });
        }

        return builder.MoveToImmutable();
    }

    /// <param name="signals">"actor:NAME" signals (signals.txt) name actors that other words imply ("admin panel": an admin).</param>
    private ImmutableArray<string> Actors(ReadOnlySpan<Token> tokens, ImmutableArray<string> headerActors, bool[] covered, HashSet<string> signals)
    {
        var actors = new List<string>();
        foreach (var declared in headerActors)
        {
            Add(Canonical(declared));
        }

        void Add(string actor)
        {
            if (actor.Length > 1 && !actors.Contains(actor))
            {
                actors.Add(actor);
            }
        }

        // "As a store owner, I want ..." names the actor explicitly.
        for (var i = 0; i + 2 < tokens.Length; i++)
        {
            if (tokens[i].Norm != "as" || tokens[i + 1].Norm is not ("a" or "an"))
            {
                continue;
            }

            var start = i + 2;
            if (_lexicon.Actors.TryMatch(tokens, start, allowSingular: true, out var known) &&
                (start + known.Length >= tokens.Length || !tokens[start + known.Length].IsWord || _lexicon.ActorStops.Contains(tokens[start + known.Length].Norm)))
            {
                Add(known.Value.Canonical);
                continue;
            }

            var end = start;
            while (end < tokens.Length && end - start < 3 && tokens[end].IsWord && !_lexicon.ActorStops.Contains(tokens[end].Norm) && tokens[end].Sentence == tokens[i].Sentence)
            {
                end++;
            }

            if (end > start && end < tokens.Length && (tokens[end].Kind == TokenKind.Comma || _lexicon.ActorStops.Contains(tokens[end].Norm)))
            {
                var words = new string[end - start];
                for (var k = start; k < end; k++)
                {
                    words[k - start] = tokens[k].Norm;
                }

                Add(string.Join(' ', words));
            }
        }

        // A role noun inside a phrase where it names no one ("vendor lock-in", "user interface") is no actor.
        var notActor = new bool[tokens.Length];
        foreach (var m in _lexicon.NotActors.MatchAll(tokens, allowSingular: true))
        {
            Array.Fill(notActor, true, m.Token, m.Length);
        }

        foreach (var m in _lexicon.Actors.MatchAll(tokens, allowSingular: true))
        {
            if (!covered[m.Token] && !notActor[m.Token])
            {
                Add(m.Value.Canonical);
            }
        }

        List<string>? implied = null; // the actor signals alone, in ordinal order (most files have none to sort)
        foreach (var signal in signals)
        {
            if (signal.StartsWith("actor:", StringComparison.Ordinal))
            {
                (implied ??= []).Add(signal);
            }
        }

        implied?.Sort(StringComparer.Ordinal);
        foreach (var signal in implied ?? [])
        {
            Add(signal["actor:".Length..]);
        }

        return [.. actors];
    }

    /// <summary>"merchant" in a header is the same actor as "merchants" in the body: both are "seller".</summary>
    private string Canonical(string actor) => _lexicon.ActorNames.Of(actor, this, static (self, a) => self.CanonicalUncached(a))!;

    private string CanonicalUncached(string actor)
    {
        var words = actor.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var tokens = new Token[words.Length];
        for (var i = 0; i < words.Length; i++)
        {
            tokens[i] = new Token(0, words[i].Length, words[i], TokenKind.Word, false, 0);
        }

        return tokens.Length > 0 && _lexicon.Actors.TryMatch(tokens, 0, allowSingular: true, out var m) && m.Length == tokens.Length
            ? m.Value.Canonical
            : actor;
    }

    private ImmutableArray<DataFlowInfo> DataFlows(SourceText source, ReadOnlySpan<Token> tokens, bool[] negated)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var flows = ImmutableArray.CreateBuilder<DataFlowInfo>();
        foreach (var m in _lexicon.DataFlows.MatchAll(tokens, allowSingular: false))
        {
            if (!negated[m.Token] && seen.Add(m.Value.Kind))
            {
                flows.Add(new DataFlowInfo(m.Value.Kind, Text(source, tokens, m.Token, m.Length).ToLowerInvariant(), source.GetLine(tokens[m.Token].Start)));
            }
        }

        return flows.ToImmutable();
    }

    private HashSet<string> Signals(ReadOnlySpan<Token> tokens, bool[] negated)
    {
        var signals = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in _lexicon.Signals.MatchAll(tokens, allowSingular: true))
        {
            if (!negated[m.Token])
            {
                signals.UnionWith(m.Value);
            }
        }

        return signals;
    }

    /// <summary>
    /// The project type by evidence, first rule that holds: microservice, cli, mobile_app, library (their words,
    /// or a mobile framework); api when there is backend or database technology and no sign of a user interface;
    /// web_app when there is frontend technology, a web-app word ("forum", "marketplace", "booking") or a feature
    /// with a user interface (signals.txt, project:ui); api for API features alone; else unknown.
    /// </summary>
    private string ProjectType(HashSet<string> signals, ImmutableArray<TechInfo> tech, ImmutableArray<string> features)
    {
        if (signals.Contains("project:microservice")) return "microservice";
        if (signals.Contains("project:cli")) return "cli";
        if (signals.Contains("project:mobile_app") || tech.Any(t => _lexicon.Lists("tech:project:mobile_app", t.Canonical))) return "mobile_app";
        if (signals.Contains("project:library")) return "library";

        var frontend = tech.Any(t => t.Category == "frontend");
        var backend = tech.Any(t => t.Category == "backend");
        var database = tech.Any(t => t.Category == "database");
        var ui = signals.Contains("project:web_app") || signals.Contains("project:ui") || features.Any(_lexicon.UiFeatures.Contains);
        if ((backend || database) && !frontend && !ui) return "api";
        if (frontend || ui) return "web_app";
        if (features.Any(f => _lexicon.Lists("feature:project:api", f))) return "api";
        return "unknown";
    }

    private string Architecture(HashSet<string> signals, ImmutableArray<TechInfo> tech, ImmutableArray<string> features)
    {
        if (signals.Contains("architecture:microservices")) return "microservices";
        if (signals.Contains("architecture:serverless") || tech.Any(t => _lexicon.Lists("tech:architecture:serverless", t.Canonical))) return "serverless";
        if (signals.Contains("architecture:event_driven") || tech.Any(t => _lexicon.Lists("tech:architecture:event_driven", t.Canonical)) ||
            features.Any(f => _lexicon.Lists("feature:architecture:event_driven", f))) return "event_driven";
        if (signals.Contains("architecture:jamstack")) return "jamstack";
        if (tech.Any(t => _lexicon.Lists("tech:architecture:jamstack_host", t.Canonical)) && tech.Any(t => t.Category == "frontend") && !tech.Any(t => t.Category == "backend")) return "jamstack";
        return "monolith";
    }

    private static double Confidence(ImmutableArray<string> actors, ImmutableArray<string> headerActors, ImmutableArray<FeatureInfo> features,
        ImmutableArray<TechInfo> tech, int sentences)
    {
        var actorScore = headerActors.Length > 0 ? 0.95 : actors.Length > 1 || (actors.Length == 1 && actors[0] != "user") ? 0.9 : actors.Length == 1 ? 0.6 : 0.3;
        var featureScore = features.Length == 0 ? 0.1 : features.Average(f => f.Confidence);
        var techScore = tech.Length == 0 ? 0.1 : tech.Average(t => t.Confidence);
        return Math.Min(1.0, (0.2 * actorScore) + (0.4 * featureScore) + (0.3 * techScore) + Math.Min(0.1, 0.05 * sentences));
    }

    private static ImmutableArray<SentenceInfo> Sentences(SourceText source, Sentence[] sentences,
        List<TermMatch<FeatureTerm>> features, List<TermMatch<TechTerm>> tech)
    {
        var builder = ImmutableArray.CreateBuilder<SentenceInfo>(sentences.Length);
        int f = 0, t = 0;
        for (var s = 0; s < sentences.Length; s++)
        {
            var sentence = sentences[s];
            var featureNames = SortedDistinct(features, ref f, sentence.EndToken, static v => v.Canonical);
            var techNames = SortedDistinct(tech, ref t, sentence.EndToken, static v => v.Canonical);
            var text = NormalizeSpace(source.Text.AsSpan(sentence.Start, sentence.End - sentence.Start));
            builder.Add(new SentenceInfo(s, source.GetLine(sentence.Start), text, featureNames, techNames));
        }

        return builder.MoveToImmutable();
    }

    /// <summary>The canonical names of the matches before <paramref name="end"/> (from <paramref name="next"/> on), in ordinal order, each once.</summary>
    private static ImmutableArray<string> SortedDistinct<T>(List<TermMatch<T>> matches, ref int next, int end, Func<T, string> name)
    {
        var first = next;
        while (next < matches.Count && matches[next].Token < end)
        {
            next++;
        }

        if (next == first)
        {
            return [];
        }

        var names = new string[next - first];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = name(matches[first + i].Value);
        }

        Array.Sort(names, StringComparer.Ordinal);
        var kept = 1;
        for (var i = 1; i < names.Length; i++)
        {
            if (!string.Equals(names[i], names[kept - 1], StringComparison.Ordinal))
            {
                names[kept++] = names[i];
            }
        }

        return ImmutableArray.Create(names, 0, kept);
    }

    /// <summary>Runs of white space become one space, trimmed, cut at <see cref="MaxSentenceText"/> with an ellipsis.</summary>
    private static string NormalizeSpace(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        if (text.Length <= MaxSentenceText && !text.ContainsAny(OtherWhiteSpace) && !text.Contains("  ", StringComparison.Ordinal))
        {
            return new string(text); // most sentences and mentions: one line, single spaces, short
        }

        var buffer = t_spaced ??= new char[MaxSentenceText + 2]; // a space, the character that reaches the limit, the ellipsis
        var length = 0;
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space)
            {
                buffer[length++] = ' ';
                space = false;
            }

            buffer[length++] = c;
            if (length >= MaxSentenceText)
            {
                buffer[length++] = '…';
                break;
            }
        }

        return new string(buffer, 0, length);
    }

    /// <summary>Every white-space character but the plain space: where one occurs, a text needs its spaces normalised.</summary>
    private static readonly System.Buffers.SearchValues<char> OtherWhiteSpace = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, char.MaxValue + 1).Select(c => (char)c).Where(c => char.IsWhiteSpace(c) && c != ' ')]);

    [ThreadStatic]
    private static char[]? t_spaced;

    private static string Text(SourceText source, ReadOnlySpan<Token> tokens, int first, int length)
    {
        var start = tokens[first].Start;
        var end = tokens[first + length - 1].Start + tokens[first + length - 1].Length;
        return NormalizeSpace(source.Text.AsSpan(start, end - start));
    }
}
