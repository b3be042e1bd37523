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

    [Fact]
    public void The_same_values_under_the_same_paths_give_the_same_index_and_anything_else_a_new_one()
    {
        var indexes = new ArtifactIndexes();
        var (plan, module) = (Value("{\"tasks\": []}"), Value("{\"id\": \"a\"}"));
        var first = indexes.Of(Set(("plan.json", plan), ("modules/a.json", module), (ArtifactSet.Metrics, Value("{\"ms\": 1}"))));

        // metrics.json is never in the index; its own entry comes back beside it.
        Assert.Equal(["modules/a.json", "plan.json"], first.Index.Select(e => e.Path));
        Assert.Equal(ArtifactSet.Metrics, first.Metrics!.Path);
        Assert.Equal(first.Index, JsonSerializer.Deserialize(first.Bytes.ToArray(), StoreJson.Default.ImmutableArrayArtifactInfo));

        // An unchanged resubmission: the very same values, other metrics: the index object itself again.
        var again = indexes.Of(Set(("plan.json", plan), ("modules/a.json", module), (ArtifactSet.Metrics, Value("{\"ms\": 2}"))));
        Assert.Same(first.Bytes, again.Bytes);
        Assert.NotEqual(first.Metrics!.Sha256, again.Metrics!.Sha256);

        // Equal bytes in another value, another path, or one artifact more: listed again, and right.
        var copied = indexes.Of(Set(("plan.json", Value("{\"tasks\": []}")), ("modules/a.json", module)));
        Assert.NotSame(first.Bytes, copied.Bytes);
        Assert.Equal(first.Index, copied.Index);
        var moved = indexes.Of(Set(("plan.json", plan), ("modules/b.json", module)));
        Assert.Equal(["modules/b.json", "plan.json"], moved.Index.Select(e => e.Path));
        var grown = indexes.Of(Set(("plan.json", plan), ("modules/b.json", module), ("graph.json", Value("{}"))));
        Assert.Equal(3, grown.Index.Length);
        Assert.Equal(grown.Index, JsonSerializer.Deserialize(grown.Bytes.ToArray(), StoreJson.Default.ImmutableArrayArtifactInfo));
    }
}
