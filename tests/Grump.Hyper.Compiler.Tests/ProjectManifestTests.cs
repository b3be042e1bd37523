using System.Text;
using System.Text.Json;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>The project manifest: one selection, made when the files arrive, read back by every later step.</summary>
public sealed class ProjectManifestTests
{
    private static SourceFile File(string path, string text) => new(path, Encoding.UTF8.GetBytes(text));

    /// <summary>A root folder to strip, globs that include, exclude and mark vendor files, a file that is no input, and a grump.json warning.</summary>
    private static SourceFile[] Upload() =>
    [
        File("shop/grump.json", """{ "name": "shop", "include": ["src/**/*.intent", "vendor/**"], "exclude": ["**/drafts/**"], "vendor": ["vendor/**"], "split": { "maxInitialChunks": 7 }, "constraints": { "budget": "small" }, "colour": "blue" }"""),
        File("shop/src/cart.intent", "---\nid: cart\n---\nBuild a cart with Stripe."),
        File("shop/src/drafts/idea.intent", "Build a blog."),
        File("shop/vendor/tracker.intent", "Track analytics."),
        File("shop/README.md", "Not an input."),
    ];

    [Fact]
    public void The_manifest_names_the_inputs_in_the_project_path_space_with_their_roles()
    {
        var manifest = ProjectManifest.Of(ProjectLoader.Select(Upload()));

        Assert.Equal(["grump.json", "src/cart.intent", "vendor/tracker.intent"], manifest.Inputs.Select(i => i.Path));
        Assert.Equal([InputRole.Project, InputRole.Source, InputRole.Vendor], manifest.Inputs.Select(i => i.Role));
        Assert.Equal(SourceFile.Hash("Track analytics."u8), manifest.Inputs[2].Sha256);
        Assert.Equal("Track analytics."u8.Length, manifest.Inputs[2].Bytes);
        Assert.Equal("shop", manifest.Settings.Name);
        Assert.Equal(7, manifest.Settings.Split.MaxInitialChunks);
        Assert.Equal(["vendor/**"], manifest.Settings.Vendor);
        Assert.Equal("GH2005", Assert.Single(manifest.Diagnostics).Code); // the unknown key "colour"
    }

    [Fact]
    public void Reading_the_manifest_back_gives_the_selection_and_the_artifacts_of_selecting_again()
    {
        var upload = Upload();
        var selected = ProjectLoader.Select(upload);
        var manifest = ProjectManifest.Of(selected);
        // As a worker reads it: the inputs alone, by the manifest's paths, none of the archive's other files.
        var inputs = manifest.Inputs.Select(i => File(i.Path, Encoding.UTF8.GetString(selected.Inputs.Single(f => f.Path == i.Path).Content.Span))).ToList();

        var read = manifest.Select(inputs);

        Assert.Equal(selected.Sources.Select(s => s.Path), read.Sources.Select(s => s.Path));
        Assert.Equal(selected.VendorPaths.Order(), read.VendorPaths.Order());
        Assert.Equal(selected.Diagnostics, read.Diagnostics);
        Assert.Equal(selected.Settings.Split, read.Settings.Split);
        Assert.Equal(selected.Settings.Include.Select(g => g.Pattern), read.Settings.Include.Select(g => g.Pattern));
        var modules = (ProjectSelection p) => p.Sources.Select(s => ModuleCompiler.Compile(s, p.VendorPaths.Contains(s.Path), CompilationOptions.Default)).ToList();
        var fromFiles = Compilation.Finish(selected, modules(selected)).Artifacts;
        var fromManifest = Compilation.Finish(read, modules(read)).Artifacts;
        Assert.Equal(fromFiles.Select(a => a.Key), fromManifest.Select(a => a.Key));
        Assert.All(fromFiles, a => Assert.Equal(a.Value.ToArray(), fromManifest[a.Key]));
    }

    [Fact]
    public void The_roles_come_from_the_manifest_and_no_glob_is_matched_again()
    {
        var manifest = ProjectManifest.Of(ProjectLoader.Select(Upload()));
        // A manifest whose vendor glob matches nothing any more still marks the file it named as vendor:
        // the selection was made once, and reading it back does not redo it.
        var edited = manifest with { Settings = manifest.Settings with { Vendor = ["nothing/**"] } };
        var read = edited.Select([.. manifest.Inputs.Select(i => File(i.Path, "x"))]);
        Assert.Equal(["vendor/tracker.intent"], read.VendorPaths);
    }

    [Fact]
    public void Inputs_that_are_not_the_manifest_s_are_refused()
    {
        var manifest = ProjectManifest.Of(ProjectLoader.Select(Upload()));
        var inputs = manifest.Inputs.Select(i => File(i.Path, "x")).ToList();

        Assert.Throws<ArgumentException>(() => manifest.Select(inputs[1..]));
        Assert.Throws<ArgumentException>(() => manifest.Select([inputs[1], inputs[0], inputs[2]]));
    }

    [Fact]
    public void The_manifest_survives_a_json_round_trip()
    {
        var manifest = ProjectManifest.Of(ProjectLoader.Select(Upload()));
        var json = JsonSerializer.Serialize(manifest, JsonSerializerOptions.Web);
        var back = JsonSerializer.Deserialize<ProjectManifest>(json, JsonSerializerOptions.Web)!;

        Assert.Contains("\"role\":\"Vendor\"", json, StringComparison.Ordinal);
        Assert.Equal(manifest.Inputs, back.Inputs);
        Assert.Equal(manifest.Diagnostics, back.Diagnostics);
        Assert.Equal(manifest.Settings.Vendor, back.Settings.Vendor);
        Assert.Equal("""{"budget":"small"}""", JsonSerializer.Serialize(back.Settings.Constraints, JsonSerializerOptions.Web));
        Assert.Equal(json, JsonSerializer.Serialize(back, JsonSerializerOptions.Web));
    }

    [Fact]
    public void A_source_read_back_is_verified_against_its_address()
    {
        var sha = SourceFile.Hash("Build a cart."u8);
        Assert.Equal(sha, SourceFile.Verified("cart.intent", "Build a cart."u8.ToArray(), sha).Sha256);
        var damaged = Assert.Throws<InvalidDataException>(() => SourceFile.Verified("cart.intent", "Build a cat."u8.ToArray(), sha));
        Assert.Contains("cart.intent", damaged.Message, StringComparison.Ordinal);
    }
}
