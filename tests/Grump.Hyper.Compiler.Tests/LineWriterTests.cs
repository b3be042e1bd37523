using System.Collections.Immutable;
using CsCheck;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Planning;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// The compact line writer against the source-generated serialiser it replaced, byte for byte, on random values whose
/// strings are the module writer's test strings (every escaping case), with optional members present and absent.
/// </summary>
public sealed class LineWriterTests
{
    private static readonly Gen<string> Text = ModuleJsonTests.Text;

    private static readonly Gen<ImmutableArray<string>> Texts = ModuleJsonTests.Texts;

    private static readonly Gen<string?> Maybe = Gen.Bool.Select(Text, (some, text) => some ? text : null);

    private static readonly Gen<PlanTask> Tasks =
        Gen.Select(Gen.Select(Text, Text, Text, Text, Text), Gen.Int, Text, Texts, Gen.Int, Texts, Gen.Int[-1, 1000])
            .Select((names, priority, risk, tools, seconds, dependsOn, batch) =>
                new PlanTask(names.Item1, names.Item2, names.Item3, names.Item4, names.Item5, priority, risk, tools, seconds, dependsOn, batch));

    [Fact]
    public void Plan_tasks_are_written_as_the_serialiser_writes_them() =>
        Tasks.Sample(task => Assert.Equal(LineJson.Of(task, LineJson.Default.PlanTask), LineWriter.Task(task)), iter: 2000, seed: "1hT6pWq3Vm8C");

    [Fact]
    public void Strings_and_lists_of_strings_are_written_as_the_serialiser_writes_them() =>
        Gen.Select(Text, Texts).Sample((text, texts) =>
        {
            Assert.Equal(LineJson.Of(text, LineJson.Default.String), LineWriter.String(text));
            Assert.Equal(LineJson.Of(texts, LineJson.Default.ImmutableArrayString), LineWriter.Strings(texts));
        }, iter: 2000, seed: "6kR1dZs9Xb4N");

    [Fact]
    public void Graph_and_manifest_lines_are_written_as_the_serialiser_writes_them() =>
        Gen.Select(Gen.Select(Text, Text, Text, Maybe), Gen.Bool, Gen.Bool, Gen.Int, Gen.Long).Sample((names, lazy, vendor, features, bytes) =>
        {
            var (id, path, file, route) = names;
            Assert.Equal(LineJson.Of(new GraphModule(id, path, route, lazy, vendor, features), LineJson.Default.GraphModule), LineWriter.Module(new GraphModule(id, path, route, lazy, vendor, features)));
            Assert.Equal(LineJson.Of(new ManifestModule(id, path, file, route, lazy, vendor), LineJson.Default.ManifestModule), LineWriter.Module(new ManifestModule(id, path, file, route, lazy, vendor)));
            Assert.Equal(LineJson.Of(new InputEntry(path, file, bytes), LineJson.Default.InputEntry), LineWriter.Input(new InputEntry(path, file, bytes)));
            Assert.Equal(LineJson.Of(new GraphFeature(id, path, file), LineJson.Default.GraphFeature), LineWriter.Feature(id, path, file));
            Assert.Equal(LineJson.Of(new GraphEdge(id, path), LineJson.Default.GraphEdge), LineWriter.Edge(id, path));
        }, iter: 2000, seed: "3wF7nJc2Ly5Q");

    [Fact]
    public void A_line_longer_than_the_kept_buffer_is_written_whole()
    {
        var longText = new string('x', 10_000) + "é\"";
        var task = new PlanTask(longText, "m", "f", "build", longText, 1, "safe", [longText, "b"], 5, [longText], 0);
        Assert.Equal(LineJson.Of(task, LineJson.Default.PlanTask), LineWriter.Task(task));
        Assert.Equal(LineJson.Of("short", LineJson.Default.String), LineWriter.String("short"));
    }
}
