using System.Text;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>Helpers to compile text, and annotated sources where ⟦ marks each expected diagnostic position.</summary>
internal static class TestSources
{
    public const char Mark = '⟦';

    public static ModuleResult Compile(string text, string path = "m.intent") =>
        ModuleCompiler.Compile(new SourceFile(path, Encoding.UTF8.GetBytes(text)), vendor: false, CompilationOptions.Default);

    /// <summary>The module as users read it: its rendered <c>modules/&lt;id&gt;.json</c>, read back.</summary>
    public static ModuleDocument Module(string body) =>
        System.Text.Json.JsonSerializer.Deserialize(Compile(body).Rendered, Emit.ArtifactJson.Default.ModuleDocument)!;

    /// <summary>Removes the marks and returns the text with the (line, column) of each mark, in order.</summary>
    public static (string Text, List<(int Line, int Column)> Marks) Annotated(string annotated)
    {
        var text = new StringBuilder();
        var marks = new List<(int, int)>();
        int line = 1, column = 1;
        foreach (var c in annotated)
        {
            if (c == Mark)
            {
                marks.Add((line, column));
                continue;
            }

            text.Append(c);
            if (c == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }

        return (text.ToString(), marks);
    }

    /// <summary>Asserts the diagnostics are exactly these codes, at the marks, in position order.</summary>
    public static void AssertDiagnostics(string annotated, params string[] codes)
    {
        var (text, marks) = Annotated(annotated);
        var result = Compile(text);
        var actual = result.Diagnostics.Select(d => $"{d.Code}@{d.Line}:{d.Column}").ToArray();
        var expected = codes.Select((c, i) => $"{c}@{marks[i].Line}:{marks[i].Column}").ToArray();
        Assert.Equal(expected, actual);
    }

    public static FeatureInfo Feature(this ModuleDocument module, string name) => Feature(module.Features, name);

    public static FeatureInfo Feature(this CompiledModule module, string name) => Feature(module.Features, name);

    public static TechInfo Tech(this ModuleDocument module, string canonical) => Tech(module.Tech, canonical);

    public static TechInfo Tech(this CompiledModule module, string canonical) => Tech(module.Tech, canonical);

    private static FeatureInfo Feature(IReadOnlyList<FeatureInfo> features, string name) =>
        features.SingleOrDefault(f => f.Name == name) ?? throw new Xunit.Sdk.XunitException(
            $"No feature '{name}'; found: {string.Join(", ", features.Select(f => f.Name))}");

    private static TechInfo Tech(IReadOnlyList<TechInfo> tech, string canonical) =>
        tech.SingleOrDefault(t => t.Canonical == canonical) ?? throw new Xunit.Sdk.XunitException(
            $"No tech '{canonical}'; found: {string.Join(", ", tech.Select(t => t.Canonical))}");

    public static bool HasDiagnostic(this ModuleResult result, DiagnosticDescriptor descriptor) => result.Diagnostics.Any(d => d.Code == descriptor.Code);
}
