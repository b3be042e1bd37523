using System.Text;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>Whatever bytes arrive, the compiler answers with a module or a diagnostic and never throws.</summary>
public sealed class PropertyTests
{
    private const int Cases = 300;

    public static TheoryData<int> Seeds => [1, 2, 3];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_bytes_never_throw_and_always_give_a_module_or_a_diagnostic(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < Cases; i++)
        {
            var bytes = new byte[random.Next(0, 2000)];
            random.NextBytes(bytes);
            var result = ModuleCompiler.Compile(new SourceFile($"r{i}.intent", bytes), false, CompilationOptions.Default);
            Assert.True(result.Module is not null || !result.Diagnostics.IsEmpty);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_unicode_and_header_like_text_never_throw(int seed)
    {
        var random = new Random(seed);
        string[] pieces = ["---\n", "id: ", "[", "]", "\"", ",", "#", ": ", "\n", "depends: [", "no ", "don't ", "React ", "ü", "😀", "\r\n", "Go", ".", "\t", "\u0000", "as a ", "instead of "];
        for (var i = 0; i < Cases; i++)
        {
            var sb = new StringBuilder();
            var n = random.Next(0, 80);
            for (var k = 0; k < n; k++)
            {
                sb.Append(random.Next(3) == 0 ? (char)random.Next(0x20, 0xD7FF) : pieces[random.Next(pieces.Length)]);
            }

            var result = TestSources.Compile(sb.ToString());
            Assert.NotNull(result.Module);
            Assert.All(result.Diagnostics, d => Assert.True(d.Line >= 1 && d.Column >= 1));
        }
    }

    [Fact]
    public void A_huge_single_line_compiles()
    {
        var line = string.Concat(Enumerable.Repeat("Build a web application with React and no MongoDB ", 20_000));
        var result = TestSources.Compile(line);
        Assert.True(result.Module!.Tech.Single(t => t.Canonical == "mongodb").Negated);
        Assert.False(result.Module.Tech.Single(t => t.Canonical == "react").Negated);
    }
}
