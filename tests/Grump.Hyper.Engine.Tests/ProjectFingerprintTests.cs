using System.Text;
using CsCheck;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;
using Grump.Hyper.Engine.Caching;
using Grump.Hyper.Testing;

namespace Grump.Hyper.Engine.Tests;

public sealed class ProjectFingerprintTests
{
    private static ProjectSelection Select(IEnumerable<SourceFile> files) => ProjectLoader.Select(files);

    private static List<SourceFile> Edit(List<SourceFile> files, int at, string text) =>
        [.. files.Select((f, i) => i == at ? new SourceFile(f.Path, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(f.Content.Span) + text)) : f)];

    /// <summary>What the fingerprint remembers between builds only saves hashing: the key equals one made from nothing, edit after edit.</summary>
    [Fact]
    public void A_remembered_fingerprint_equals_a_fresh_one_through_random_edits()
    {
        Gen.Select(Gen.Int[1, 700], Gen.Int[0, 1000], Gen.Select(Gen.Int[0, 3], Gen.Int[0, 100_000]).Array[1, 8]).Sample((size, seed, edits) =>
        {
            var files = ProjectGenerator.Generate(size, seed);
            var kept = new ProjectFingerprint();
            var seen = new HashSet<string>(StringComparer.Ordinal) { kept.Of(Select(files), CompilationOptions.Default) };
            foreach (var (kind, at) in edits)
            {
                files = kind switch
                {
                    0 => Edit(files, at % files.Count, $"\nAdd item {at}.\n"),
                    1 => [.. files, new SourceFile($"added/n{at}.intent", Encoding.UTF8.GetBytes("Build a blog.\n"))],
                    // Other vendor globs: every other file the very same object, some with another vendor flag.
                    3 => [.. files.Where(f => f.Path != "grump.json"), new SourceFile("grump.json", Encoding.UTF8.GetBytes($"{{\"vendor\": [\"area{at % 37:00}/**\"]}}"))],
                    _ => files.Count > 1 ? [.. files.Where((_, i) => i != at % files.Count)] : files,
                };
                var key = kept.Of(Select(files), CompilationOptions.Default);
                Assert.Equal(new ProjectFingerprint().Of(Select(files), CompilationOptions.Default), key);
                seen.Add(key);
            }

            Assert.True(seen.Count > 1, "the edits changed the key");
        }, iter: 40, threads: 1);
    }

    [Fact]
    public void A_one_file_edit_hashes_one_block_again_and_any_input_or_option_changes_the_key()
    {
        var files = ProjectGenerator.Generate(2000, seed: 3);
        var fingerprint = new ProjectFingerprint();
        var inputs = Select(files).Inputs.Length;
        var cold = fingerprint.Of(Select(files), CompilationOptions.Default);
        Assert.Equal((inputs + ProjectFingerprint.BlockSize - 1) / ProjectFingerprint.BlockSize, fingerprint.Hashed);

        var edited = fingerprint.Of(Select(Edit(files, 1234, "\nAdd a wishlist.\n")), CompilationOptions.Default);
        Assert.Equal(1, fingerprint.Hashed);
        Assert.NotEqual(cold, edited);

        Assert.Equal(cold, fingerprint.Of(Select(files), CompilationOptions.Default));
        Assert.Equal(1, fingerprint.Hashed);
        Assert.NotEqual(cold, fingerprint.Of(Select(files), CompilationOptions.Default with { MaxSourceBytes = 4096 }));

        var moved = files.Select(f => f.Path == files[5].Path ? new SourceFile("renamed/" + f.Path, f.Content.ToArray()) : f);
        Assert.NotEqual(cold, new ProjectFingerprint().Of(Select(moved), CompilationOptions.Default));
    }
}
