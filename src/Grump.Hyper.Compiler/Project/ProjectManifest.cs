using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Project;

/// <summary>What an input is to the project: a source, a vendored source, or the project file.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InputRole>))]
public enum InputRole
{
    Source,
    Vendor,
    Project,
}

/// <summary>One input of a project, by content: its path relative to the project root, its SHA-256 and size.</summary>
public sealed record ProjectInput(string Path, string Sha256, long Bytes, InputRole Role);

/// <summary>The settings of grump.json that the stages after selection read, with the globs as written.</summary>
public sealed record ManifestSettings(
    string? Name,
    ImmutableArray<string> Include,
    ImmutableArray<string> Exclude,
    ImmutableArray<string> Vendor,
    JsonElement? Constraints,
    SplitSettings Split);

/// <summary>A diagnostic of the selection itself (grump.json, no sources), stored by its code.</summary>
public sealed record ManifestDiagnostic(string Code, string File, int Line, int Column, string Message);

/// <summary>
/// A project as selected once, when its files arrive: the settings, the inputs in path order with their
/// SHA-256, size and role, and what the selection reported. Every later step (a compile job, a shard, the
/// link) reads this instead of selecting again, in one path space (the archive's single top folder is
/// already stripped), and fetches only the inputs, never the other files of the archive.
/// </summary>
public sealed record ProjectManifest(ManifestSettings Settings, ImmutableArray<ProjectInput> Inputs, ImmutableArray<ManifestDiagnostic> Diagnostics)
{
    public static ProjectManifest Of(ProjectSelection project)
    {
        var settings = project.Settings;
        var next = 0;
        var inputs = ImmutableArray.CreateBuilder<ProjectInput>(project.Inputs.Length);
        for (var k = 0; k < project.Inputs.Length; k++)
        {
            var file = project.Inputs[k];
            // Sources are a subsequence of the inputs in the same order: the one input that is not the next source is the project file.
            var isSource = next < project.Sources.Length && ReferenceEquals(file, project.Sources[next]);
            next += isSource ? 1 : 0;
            var role = !isSource ? InputRole.Project : project.IsVendorInput(k) ? InputRole.Vendor : InputRole.Source;
            inputs.Add(new ProjectInput(file.Path, file.Sha256, file.Size, role));
        }

        return new ProjectManifest(
            new ManifestSettings(settings.Name, Patterns(settings.Include), Patterns(settings.Exclude), Patterns(settings.Vendor), settings.Constraints, settings.Split),
            inputs.MoveToImmutable(),
            [.. project.Diagnostics.Select(d => new ManifestDiagnostic(d.Code, d.File, d.Line, d.Column, d.Message))]);
    }

    /// <summary>
    /// The selection this manifest describes, over <paramref name="inputs"/>: the files of <see cref="Inputs"/>, in
    /// that order, as the store returned them (their hashes verified there). No glob is matched and nothing sorted.
    /// </summary>
    public ProjectSelection Select(IReadOnlyList<SourceFile> inputs)
    {
        if (inputs.Count != Inputs.Length)
        {
            throw new ArgumentException($"The manifest names {Inputs.Length} inputs, {inputs.Count} were given.", nameof(inputs));
        }

        var sources = ImmutableArray.CreateBuilder<SourceFile>(Inputs.Length);
        var vendor = new List<string>();
        for (var i = 0; i < inputs.Count; i++)
        {
            var (file, input) = (inputs[i], Inputs[i]);
            if (!string.Equals(file.Path, input.Path, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Input {i} is '{file.Path}', the manifest names '{input.Path}' there.", nameof(inputs));
            }

            if (input.Role != InputRole.Project)
            {
                sources.Add(file);
            }

            if (input.Role == InputRole.Vendor)
            {
                vendor.Add(file.Path);
            }
        }

        var settings = new ProjectSettings
        {
            Name = Settings.Name,
            Include = Globs(Settings.Include),
            Exclude = Globs(Settings.Exclude),
            Vendor = Globs(Settings.Vendor),
            Constraints = Settings.Constraints,
            Split = Settings.Split,
        };
        var diagnostics = Diagnostics.Select(d => new Diagnostic(Descriptor(d.Code), d.File, d.Line, d.Column, d.Message));
        return new ProjectSelection(settings, sources.ToImmutable(), vendor.ToFrozenSet(StringComparer.Ordinal), [.. inputs], [.. diagnostics]);
    }

    /// <summary>
    /// The selection over files described by the manifest alone (address and size, no bytes): enough for the
    /// steps after the compile, which read no source's content.
    /// </summary>
    public ProjectSelection Describe() => Select([.. Inputs.Select(i => SourceFile.Described(i.Path, i.Sha256, i.Bytes))]);

    private static ImmutableArray<string> Patterns(ImmutableArray<Glob> globs) => [.. globs.Select(g => g.Pattern)];

    private static ImmutableArray<Glob> Globs(ImmutableArray<string> patterns) =>
        [.. patterns.Select(p => Glob.TryCreate(p, out var glob) ? glob! : throw new InvalidDataException($"The manifest holds an invalid glob '{p}'."))];

    private static DiagnosticDescriptor Descriptor(string code) =>
        DiagnosticCatalog.All.FirstOrDefault(d => d.Code == code) ?? throw new InvalidDataException($"The manifest holds an unknown diagnostic code '{code}'.");
}
