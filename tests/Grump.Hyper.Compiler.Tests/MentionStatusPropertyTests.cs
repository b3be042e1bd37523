using CsCheck;
using Grump.Hyper.Compiler.Modules;
using static Grump.Hyper.Compiler.Tests.TestSources;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// Sentences built from the extraction's own cues (negation, removal, replacement, exceptions, contrasts) around
/// technology names: whatever the other sentences say, a technology's status is the one its own sentence gives it.
/// So no negation or removal crosses a sentence end, and adding an unrelated sentence changes nothing elsewhere.
/// </summary>
public sealed class MentionStatusPropertyTests
{
    private static readonly string[] Names = ["Redis", "Kafka", "Postgres", "MongoDB", "Svelte", "Angular", "Heroku", "Vite", "Helm", "GraphQL", "Memcached", "Cassandra", "Terraform", "Docker", "Stripe", "Elasticsearch"];

    private static readonly string[] Openers = ["Use", "No", "Retire", "Swap", "Don't use", "Skip", "Replace", "Avoid", "We will never ship on", "Get rid of", "Keep", "Not", "There's no reason to avoid", "Migrate from", "Without"];

    private static readonly string[] Joins = [" and ", " or ", " but ", ", ", " for ", " with ", " other than ", " instead of ", " to ", " onto "];

    private static readonly string[] Endings = ["", " is banned", " is being retired", " is not to be used", " works", " for sessions", " everywhere", " is deprecated"];

    /// <summary>
    /// Two to five sentences, each over names no other sentence uses: an opener, one to three names joined by cue
    /// words, an ending.
    /// </summary>
    private static readonly Gen<(string Text, string[] Names)[]> Bodies =
        Gen.Select(Gen.Int[2, 5], Gen.Int.Array[Names.Length], Gen.Int[0, Openers.Length - 1].Array[5], Gen.Int[1, 3].Array[5], Gen.Int[0, Joins.Length - 1].Array[10], Gen.Int[0, Endings.Length - 1].Array[5])
            .Select((count, order, openers, sizes, joins, endings) =>
            {
                var names = Names.Zip(order).OrderBy(p => p.Second).Select(p => p.First).ToArray();
                return Enumerable.Range(0, count).Select(k =>
                {
                    var used = names[(3 * k)..((3 * k) + sizes[k])];
                    var text = Openers[openers[k]] + " " + used[0];
                    for (var i = 1; i < used.Length; i++)
                    {
                        text += Joins[joins[(2 * k) + i - 1]] + used[i];
                    }

                    return (text + Endings[endings[k]] + ".", used);
                }).ToArray();
            });

    [Fact]
    public void A_technology_has_the_status_its_own_sentence_gives_it_whatever_the_others_say()
    {
        Bodies.Sample(sentences =>
        {
            var whole = Module(string.Join(" ", sentences.Select(s => s.Text)));
            foreach (var (text, names) in sentences)
            {
                var alone = Module(text);
                foreach (var mention in alone.Tech)
                {
                    var together = whole.Tech.FirstOrDefault(t => t.Canonical == mention.Canonical);
                    Assert.True(together is not null && together.Status == mention.Status && together.ReplacedBy == mention.ReplacedBy,
                        $"'{mention.Canonical}' is {mention.Status} in \"{text}\" alone but {together?.Status ?? "absent"} in \"{string.Join(" ", sentences.Select(s => s.Text))}\"");
                }
            }
        }, iter: 300);
    }
}
