using Grump.Hyper.Compiler.Extraction;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Engine.Matching;
using Grump.Hyper.Testing;

namespace Grump.Hyper.Engine.Tests;

/// <summary>
/// The engine's lookups, plugged into the compiler through its seam, compile every module to the bytes the
/// compiler's own frozen lookups give: on the example project and on a generated one whose English is drawn from
/// the lexicons.
/// </summary>
public sealed class MatcherTests
{
    private static readonly List<SourceFile> Generated = [.. ProjectGenerator.Generate(200, seed: 31).Where(f => f.Path.EndsWith(".intent", StringComparison.Ordinal))];

    private static IEnumerable<SourceFile> Sources() =>
        Grump.Hyper.Testing.Archives.ExampleFiles("shop").Where(f => f.Path.EndsWith(".intent", StringComparison.Ordinal)).Select(f => new SourceFile(f.Path, f.Content)).Concat(Generated);

    private static void AssertSameModules(MatcherSet matchers, IEnumerable<SourceFile> files)
    {
        foreach (var file in files)
        {
            var expected = ModuleCompiler.Compile(file, false, CompilationOptions.Default);
            var actual = ModuleCompiler.Compile(file, false, CompilationOptions.Default, matchers);
            Assert.True(expected.Rendered.AsSpan().SequenceEqual(actual.Rendered), $"{file.Path} differs");
            Assert.Equal(expected.Diagnostics, actual.Diagnostics);
        }
    }

    [Theory]
    [InlineData(MatcherTier.Compiled)]
    [InlineData(MatcherTier.Generated)]
    public void Each_engine_tier_compiles_every_module_to_the_same_bytes(MatcherTier tier)
    {
        var matchers = Matchers.At(tier);
        Assert.All(matchers.Tiers, t => Assert.Equal(tier, t));
        AssertSameModules(matchers, Sources());
    }

    [Fact]
    public void Self_promoting_matchers_pass_through_every_tier_and_keep_their_answers()
    {
        var matchers = Matchers.Tiered();
        Assert.All(matchers.Tiers, t => Assert.Equal(MatcherTier.Interpreted, t));
        var seen = new HashSet<MatcherTier>();
        for (var round = 0; round < 40 && matchers.Tiers.Any(t => t != MatcherTier.Generated); round++)
        {
            // Module by module, so every tier the features matcher passes through is seen and compared, generated
            // (with the words used so far) included.
            foreach (var file in Generated)
            {
                seen.Add(matchers.Tiers[1]);
                AssertSameModules(matchers, [file]);
            }
        }

        seen.Add(matchers.Tiers[1]);
        Assert.Equal(Enum.GetValues<MatcherTier>(), seen.Order());
        AssertSameModules(matchers, Sources());
    }
}
