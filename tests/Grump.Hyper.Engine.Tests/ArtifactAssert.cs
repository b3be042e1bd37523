using Grump.Hyper.Compiler.Emit;

namespace Grump.Hyper.Engine.Tests;

/// <summary>Two builds' artifacts compared byte for byte, metrics.json (timings) aside.</summary>
internal static class ArtifactAssert
{
    public static void Same(ArtifactSet expected, ArtifactSet actual)
    {
        Assert.Equal(expected.Select(a => a.Key), actual.Select(a => a.Key));
        foreach (var (path, content) in expected.Where(a => a.Key != ArtifactSet.Metrics))
        {
            Assert.True(content.ContentEquals(actual.TryGet(path, out var other) ? other : ArtifactContent.Of([])), $"{path} differs");
        }
    }
}
