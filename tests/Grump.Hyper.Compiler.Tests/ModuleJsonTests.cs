using System.Collections.Immutable;
using CsCheck;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// The module writer against the source-generated serialiser it replaced: byte for byte, on random documents whose
/// strings mix what every escaping rule treats differently (quotes, backslashes, the characters the default encoder
/// escapes for HTML, controls, non-ASCII, a surrogate pair) and whose numbers include the table's thousandths, -0 and
/// large exponents; and on the modules of real sources.
/// </summary>
public sealed class ModuleJsonTests
{
    private static readonly string[] Pieces =
        ["a", "Zeta", "0", "42", " ", "-", "/", ".", "_", "\"", "\\", "<", ">", "&", "'", "+", "`", "\n", "\t", "\r", "\u0001", "\u001f", "\u007f", "é", "ü", "中", "😀", "\u2028", "\u00a0", "#", "%", "=", "?"];

    /// <summary>Strings that mix what every escaping rule treats differently (the line writer's tests use them too).</summary>
    internal static readonly Gen<string> Text = Gen.Int[0, Pieces.Length - 1].Array[0, 8].Select(ks => string.Concat(ks.Select(k => Pieces[k])));

    internal static readonly Gen<ImmutableArray<string>> Texts = Text.Array[0, 4].Select(a => a.ToImmutableArray());

    private static readonly double[] Special = [-0.0, 0.0, 1.0, 1e21, 1e-7, 123456789.125, double.Epsilon, double.MaxValue, 0.1 + 0.2];

    // Declared after what it reads: static fields are set in order.
    private static readonly Gen<double> Number = Gen.OneOf(
        Gen.Int[0, 1000].Select(k => k / 1000.0),
        Gen.Double[-1e6, 1e6],
        Gen.Double.Unit,
        Gen.Int[0, Special.Length - 1].Select(k => Special[k]));

    private static readonly Gen<FeatureInfo> Features =
        Gen.Select(Text, Text, Gen.Bool, Gen.Int[-5, 500], Number, Gen.Int[0, 100_000], Text, Text)
            .Select((name, action, negated, priority, confidence, line, matchedAs, status) => new FeatureInfo(name, action, negated, priority, confidence, line, matchedAs, status));

    private static readonly Gen<TechInfo> Tech =
        Gen.Select(Text, Text, Text, Gen.Bool, Number, Gen.Int[0, 100_000], Text, Gen.Bool.Select(Text, (replaced, by) => replaced ? by : null))
            .Select((canonical, matchedAs, category, negated, confidence, line, status, replacedBy) =>
                new TechInfo(canonical, matchedAs, category, negated, confidence, line, status, replacedBy));

    private static readonly Gen<SentenceInfo> Sentences =
        Gen.Select(Gen.Int[0, 1000], Gen.Int[0, 100_000], Text, Texts, Texts).Select((index, line, text, features, tech) => new SentenceInfo(index, line, text, features, tech));

    private static readonly Gen<ModuleDocument> Documents =
        Gen.Select(
            Gen.Select(Text, Text, Text, Gen.Long[0, long.MaxValue], Gen.Bool.Select(Text, (some, title) => some ? title : null), Gen.Bool.Select(Text, (some, route) => some ? route : null)),
            Gen.Select(Gen.Bool, Gen.Int[-10, 10], Gen.Bool, Texts, Texts, Texts),
            Gen.Select(Features.Array[0, 4], Tech.Array[0, 3], Gen.Select(Text, Text, Gen.Int[0, 9999]).Array[0, 3], Text, Text, Number, Number),
            Gen.Select(Text, Text, Text).Array[0, 3],
            Sentences.Array[0, 3])
        .Select((head, flags, found, dependencies, sentences) => new ModuleDocument
        {
            Id = head.Item1,
            Path = head.Item2,
            Sha256 = head.Item3,
            Bytes = head.Item4,
            Title = head.Item5,
            Route = head.Item6,
            Lazy = flags.Item1,
            Priority = flags.Item2,
            Vendor = flags.Item3,
            Tags = flags.Item4,
            Depends = flags.Item5,
            Actors = flags.Item6,
            Features = [.. found.Item1],
            Tech = [.. found.Item2],
            DataFlows = [.. found.Item3.Select(f => new DataFlowInfo(f.Item1, f.Item2, f.Item3))],
            ProjectType = found.Item4,
            Architecture = found.Item5,
            Complexity = found.Item6,
            Confidence = found.Item7,
            Dependencies = [.. dependencies.Select(d => new FeatureDependency(d.Item1, d.Item2, d.Item3))],
            Sentences = [.. sentences],
        });

    [Fact]
    public void Random_documents_are_written_as_the_serialiser_writes_them()
    {
        Documents.Sample(document =>
        {
            var ours = ArtifactEmitter.Render(document);
            var reference = ArtifactEmitter.RenderReference(document);
            Assert.True(ours.AsSpan().SequenceEqual(reference),
                $"the writer and the serialiser differ:\n{System.Text.Encoding.UTF8.GetString(ours)}\n---\n{System.Text.Encoding.UTF8.GetString(reference)}");
        }, iter: 2000);
    }

    [Fact]
    public void Modules_of_real_sources_are_written_as_the_serialiser_writes_them()
    {
        var compared = 0;
        foreach (var file in ProjectGenerator.Generate(400, seed: 11).Where(f => f.Path.EndsWith(".intent", StringComparison.Ordinal)))
        {
            var result = ModuleCompiler.Compile(file, vendor: false, CompilationOptions.Default);
            if (result.Module is null)
            {
                continue;
            }

            var document = System.Text.Json.JsonSerializer.Deserialize(result.Rendered, ArtifactJson.Default.ModuleDocument)!;
            Assert.Equal(ArtifactEmitter.RenderReference(document), result.Rendered);
            compared++;
        }

        Assert.True(compared >= 300, $"only {compared} modules compiled");
    }
}
