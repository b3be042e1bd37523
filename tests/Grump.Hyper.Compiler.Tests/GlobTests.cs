using CsCheck;
using Grump.Hyper.Compiler.Project;

namespace Grump.Hyper.Compiler.Tests;

public sealed class GlobTests
{
    /// <summary>The common shapes skip the regex; on any path they must answer exactly as the regex does.</summary>
    [Fact]
    public void Fast_paths_answer_as_the_regex_does()
    {
        string[] patterns = ["**", "**/*.intent", "**/*.md", "vendor/**", "a/b/**", "**/*", "*.intent", "a/*.intent", "**/a/*.intent"];
        var segment = Gen.OneOf(Gen.Const("a"), Gen.Const("b"), Gen.Const("vendor"), Gen.Const("x.intent"), Gen.Const(".intent"), Gen.Const("readme.md"), Gen.Const("vendorx"), Gen.Const(""));
        var paths = segment.Array[1, 5].Select(parts => string.Join('/', parts));
        var globs = patterns.Select(p => Glob.TryCreate(p, out var g) ? g! : throw new InvalidOperationException(p)).ToArray();
        var checkedFast = 0;
        paths.Sample(path =>
        {
            foreach (var glob in globs)
            {
                Assert.True(glob.IsMatch(path) == glob.RegexMatch(path), $"{glob.Pattern} on '{path}'");
                checkedFast++;
            }
        }, iter: 2000);
        Assert.True(checkedFast > 0);
    }
}
