using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Compiler.Emit;

namespace Grump.Hyper.Api.Tests;

public sealed class ArtifactIndexesTests
{
    private static ArtifactSet Set(params (string Path, ArtifactContent Value)[] entries)
    {
        var set = new ArtifactSet();
        foreach (var (path, value) in entries)
        {
            set.Add(path, value);
        }

        return set;
    }

    private static ArtifactContent Value(string text) => ArtifactContent.Of(Encoding.UTF8.GetBytes(text));

    private static ImmutableArray<ArtifactInfo> Listed(ArtifactContent index) =>
        JsonSerializer.Deserialize(index.ToArray(), StoreJson.Default.ImmutableArrayArtifactInfo);

    [Fact]
    public void The_same_values_under_the_same_paths_give_the_same_index_and_anything_else_a_new_one()
    {
        var indexes = new ArtifactIndexes();
        var (plan, module) = (Value("{\"tasks\": []}"), Value("{\"id\": \"a\"}"));
        var first = indexes.Of(Set(("plan.json", plan), ("modules/a.json", module), (ArtifactSet.Metrics, Value("{\"ms\": 1}"))));

        // metrics.json is never in the index; its own entry comes back beside it.
        Assert.Equal(
            [new ArtifactInfo("modules/a.json", module.Length, module.Sha256), new ArtifactInfo("plan.json", plan.Length, plan.Sha256)],
            Listed(first.Index));
        Assert.Equal(ArtifactSet.Metrics, first.Metrics!.Path);

        // An unchanged resubmission: the very same values, other metrics: the index object itself again.
        var again = indexes.Of(Set(("plan.json", plan), ("modules/a.json", module), (ArtifactSet.Metrics, Value("{\"ms\": 2}"))));
        Assert.Same(first.Index, again.Index);
        Assert.NotEqual(first.Metrics!.Sha256, again.Metrics!.Sha256);

        // Equal bytes in another value, another path, or one artifact more: listed again, and right.
        var copied = indexes.Of(Set(("plan.json", Value("{\"tasks\": []}")), ("modules/a.json", module)));
        Assert.NotSame(first.Index, copied.Index);
        Assert.Equal(Listed(first.Index), Listed(copied.Index));
        var moved = indexes.Of(Set(("plan.json", plan), ("modules/b.json", module)));
        Assert.Equal(["modules/b.json", "plan.json"], Listed(moved.Index).Select(e => e.Path));
        var grown = indexes.Of(Set(("plan.json", plan), ("modules/b.json", module), ("graph.json", Value("{}"))));
        Assert.Equal(["graph.json", "modules/b.json", "plan.json"], Listed(grown.Index).Select(e => e.Path));
    }
}
