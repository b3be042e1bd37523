using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// examples/shop compiled and compared with reviewed files in Golden/shop. After a deliberate change,
/// regenerate with GRUMP_UPDATE_GOLDEN=1 and review the diff before committing it.
/// </summary>
public sealed class GoldenTests
{
    [Fact]
    public void The_shop_example_compiles_to_the_reviewed_artifacts()
    {
        var root = Repository.Root;
        var example = Path.Combine(root, "examples", "shop");
        var files = Directory.EnumerateFiles(example, "*", SearchOption.AllDirectories)
            .Select(f => new SourceFile("shop/" + Path.GetRelativePath(example, f).Replace('\\', '/'), File.ReadAllBytes(f)));
        var result = Compilation.Compile(files);
        var golden = Path.Combine(root, "tests", "Grump.Hyper.Compiler.Tests", "Golden", "shop");

        if (Environment.GetEnvironmentVariable("GRUMP_UPDATE_GOLDEN") == "1")
        {
            if (Directory.Exists(golden))
            {
                Directory.Delete(golden, recursive: true);
            }

            foreach (var (path, content) in result.Artifacts)
            {
                var target = Path.Combine(golden, path);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllBytes(target, content.ToArray());
            }
        }

        var expected = Directory.EnumerateFiles(golden, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(golden, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, result.Artifacts.Select(a => a.Key));
        foreach (var (path, content) in result.Artifacts)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(golden, path)).AsSpan().SequenceEqual(content.ToArray()),
                $"{path} differs from Golden/shop/{path}; if the change is intended, regenerate with GRUMP_UPDATE_GOLDEN=1 and review the diff.");
        }

        Assert.True(result.Success);
        Assert.Equal(14, result.ModuleCount);
        Assert.DoesNotContain(ArtifactSet.Metrics, expected);
    }
}
