using System.Text;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;
using Grump.Hyper.Engine.Caching;
using Grump.Hyper.Engine.Pipeline;
using Grump.Hyper.Testing;

namespace Grump.Hyper.Engine.Tests;

/// <summary>
/// A project given by its manifest alone (each source's address and size, as the service's compile job has it): the
/// engine asks for the bytes of exactly the sources whose module it cannot take from the project's last build.
/// </summary>
public sealed class DescribedSourcesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The manifest's view of <paramref name="files"/>, and a loader over those files that records every path it is asked for.</summary>
    private static (ProjectSelection Described, SourceLoader Load, List<string> Asked) Manifest(List<SourceFile> files)
    {
        var manifest = ProjectManifest.Of(ProjectLoader.Select(files));
        var byPath = files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var asked = new List<string>();
        IReadOnlyList<SourceFile> Load(IReadOnlyList<SourceFile> described)
        {
            asked.AddRange(described.Select(f => f.Path));
            return [.. described.Select(f => byPath[f.Path])];
        }

        return (manifest.Describe(), Load, asked);
    }

    [Fact]
    public void A_build_reads_the_bytes_of_every_source_first_then_none_when_unchanged_then_only_the_edited_one()
    {
        var project = ProjectGenerator.Generate(200, seed: 11);
        var options = HyperOptions.Default with { Tier = CompileTier.Aggressive, ProjectKey = "described" };
        var compiler = new HyperCompiler(new ModuleCache());
        var sources = ProjectLoader.Select(project).Sources.Select(s => s.Path).ToList();

        var (first, load, asked) = Manifest(project);
        var cold = compiler.Compile(first, load, options, cancellationToken: Ct);
        Assert.Equal(sources, asked);
        ArtifactAssert.Same(new HyperCompiler(new ModuleCache()).Compile(project, options, cancellationToken: Ct).Artifacts, cold.Artifacts);

        // The same manifest again (new objects, as a new job reads it): nothing read.
        var (again, loadAgain, askedAgain) = Manifest(project);
        compiler.Compile(again, loadAgain, options, cancellationToken: Ct);
        Assert.Empty(askedAgain);

        // One source edited: only its bytes are read, and the artifacts are a build of loaded sources'.
        var edited = project.Select(f => f.Path == sources[7] ? new SourceFile(f.Path, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(f.Content.Span) + "\nAdd a wishlist.\n")) : f).ToList();
        var (third, loadThird, askedThird) = Manifest(edited);
        var result = compiler.Compile(third, loadThird, options, cancellationToken: Ct);
        Assert.Equal([sources[7]], askedThird);
        ArtifactAssert.Same(new HyperCompiler(new ModuleCache()).Compile(edited, options, cancellationToken: Ct).Artifacts, result.Artifacts);
    }

    [Fact]
    public void Without_a_memo_every_source_is_read()
    {
        var project = ProjectGenerator.Generate(50, seed: 12);
        var options = HyperOptions.Default with { Tier = CompileTier.Conservative, ProjectKey = "described" };
        var compiler = new HyperCompiler(new ModuleCache());
        compiler.Compile(project, options, cancellationToken: Ct);

        var (described, load, asked) = Manifest(project);
        compiler.Compile(described, load, options, cancellationToken: Ct);
        Assert.Equal(ProjectLoader.Select(project).Sources.Select(s => s.Path), asked);
    }

    [Fact]
    public void A_loader_that_gives_other_bytes_than_the_manifest_names_is_refused()
    {
        var project = ProjectGenerator.Generate(20, seed: 13);
        var described = ProjectManifest.Of(ProjectLoader.Select(project)).Describe();
        var options = HyperOptions.Default with { Tier = CompileTier.Aggressive, ProjectKey = "described-wrong" };
        IReadOnlyList<SourceFile> Wrong(IReadOnlyList<SourceFile> asked) => [.. asked.Select(f => new SourceFile(f.Path, "---\nid: other\n---\nBuild a cart.\n"u8.ToArray()))];
        var error = Assert.Throws<InvalidDataException>(() => new HyperCompiler(new ModuleCache()).Compile(described, Wrong, options, cancellationToken: Ct));
        Assert.Contains(described.Sources[0].Path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_loader_that_fails_fails_the_build_and_the_next_build_of_the_project_is_whole()
    {
        // What a damaged or missing blob does to the compile job: the store throws where it reads; the build ends
        // with that error (the job is then failed with it), and the project's state is given back intact.
        var project = ProjectGenerator.Generate(60, seed: 14);
        var options = HyperOptions.Default with { Tier = CompileTier.Aggressive, ProjectKey = "described-failing" };
        var compiler = new HyperCompiler(new ModuleCache());
        var (first, load, _) = Manifest(project);
        compiler.Compile(first, load, options, cancellationToken: Ct);

        var edited = ProjectGenerator.ChangeFiles(project, 3, seed: 5);
        var (broken, _, _) = Manifest(edited);
        IReadOnlyList<SourceFile> Damaged(IReadOnlyList<SourceFile> asked) =>
            throw new InvalidDataException($"The stored bytes of {asked[0].Path} do not hash to their address.");
        var error = Assert.Throws<InvalidDataException>(() => compiler.Compile(broken, Damaged, options, cancellationToken: Ct));
        Assert.Contains(".intent", error.Message, StringComparison.Ordinal);

        var (again, loadAgain, asked) = Manifest(edited);
        var result = compiler.Compile(again, loadAgain, options, cancellationToken: Ct);
        Assert.Equal(3, asked.Count);
        ArtifactAssert.Same(new HyperCompiler(new ModuleCache()).Compile(edited, options, cancellationToken: Ct).Artifacts, result.Artifacts);
    }
}
