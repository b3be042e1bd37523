using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// examples/shop compiled and compared with reviewed files in Golden/shop. After a deliberate change,
/// regenerate with GRUMP_UPDATE_GOLDEN=1 and review the diff before committing it.
/// </summary>
public sealed class GoldenTests
{
    private static CompilationResult Shop()
    {
        var example = Path.Combine(Repository.Root, "examples", "shop");
        var files = Directory.EnumerateFiles(example, "*", SearchOption.AllDirectories)
            .Select(f => new SourceFile("shop/" + Path.GetRelativePath(example, f).Replace('\\', '/'), File.ReadAllBytes(f)));
        return Compilation.Compile(files);
    }

    [Fact]
    public void The_shop_plan_lists_no_implied_wait_and_estimates_that_are_not_one_placeholder()
    {
        var plan = Shop().Plan!;
        var deps = plan.Tasks.ToDictionary(t => t.Id, t => t.DependsOn, StringComparer.Ordinal);
        bool Reaches(string from, string to) => deps[from].Any(d => d == to || Reaches(d, to));
        foreach (var task in plan.Tasks)
        {
            Assert.DoesNotContain(task.DependsOn, d => task.DependsOn.Any(other => other != d && Reaches(other, d)));
        }

        var commonest = plan.Tasks.GroupBy(t => t.EstimatedSeconds).Max(g => g.Count());
        Assert.True(commonest * 2 < plan.Tasks.Count, $"{commonest} of {plan.Tasks.Count} tasks share one estimate");
    }

    [Fact]
    public void The_shop_example_compiles_to_the_reviewed_artifacts()
    {
        var root = Repository.Root;
        var result = Shop();
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
