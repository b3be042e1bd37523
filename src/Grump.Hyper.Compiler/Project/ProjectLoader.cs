using System.Collections.Immutable;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Project;

/// <summary>The files of a project after its root, settings and globs are applied.</summary>
public sealed record ProjectSelection(
    ProjectSettings Settings,
    ImmutableArray<SourceFile> Sources,
    ImmutableHashSet<string> VendorPaths,
    ImmutableArray<SourceFile> Inputs,
    ImmutableArray<Diagnostic> Diagnostics);

/// <summary>Finds the project root and settings, then picks the sources the settings ask for.</summary>
public static class ProjectLoader
{
    public static ProjectSelection Select(IEnumerable<SourceFile> files)
    {
        var all = StripSingleRoot(files.ToList());
        if (!IsSorted(all))
        {
            all.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path)); // uploads usually come sorted: checked in one pass first
        }

        var diagnostics = new DiagnosticBag();
        var projectFile = all.FirstOrDefault(f => f.Path == ProjectSettings.FileName);
        var settings = projectFile is null ? ProjectSettings.Default : ProjectFileParser.Parse(projectFile.Path, projectFile.Content, diagnostics);

        var sources = ImmutableArray.CreateBuilder<SourceFile>();
        var vendor = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var file in all)
        {
            if (!file.Path.EndsWith(".intent", StringComparison.OrdinalIgnoreCase) ||
                !settings.Include.Any(g => g.IsMatch(file.Path)) || settings.Exclude.Any(g => g.IsMatch(file.Path)))
            {
                continue;
            }

            sources.Add(file);
            if (settings.Vendor.Any(g => g.IsMatch(file.Path)))
            {
                vendor.Add(file.Path);
            }
        }

        if (sources.Count == 0)
        {
            // Located at grump.json when there is one (its include patterns chose nothing), else at the project root:
            // a grump.json that does not exist is not to blame.
            var include = string.Join(", ", settings.Include.Select(g => g.Pattern));
            diagnostics.Report(DiagnosticCatalog.NoSources, projectFile?.Path ?? ".", 1, 1,
                all.Count == 0 ? ": the archive is empty"
                : projectFile is null ? $" among its {all.Count} files (no grump.json, so the default include: {include})"
                : $" among its {all.Count} files (include: {include})");
        }

        // The sources are a subsequence of the sorted files, so the inputs (sources and the project file, in
        // path order) are one walk over both, with no set of paths.
        var inputs = ImmutableArray.CreateBuilder<SourceFile>(sources.Count + 1);
        var next = 0;
        foreach (var file in all)
        {
            if (next < sources.Count && ReferenceEquals(file, sources[next]))
            {
                inputs.Add(file);
                next++;
            }
            else if (ReferenceEquals(file, projectFile))
            {
                inputs.Add(file);
            }
        }

        return new ProjectSelection(settings, sources.ToImmutable(), vendor.ToImmutable(), inputs.ToImmutable(), diagnostics.ToImmutableSorted());
    }

    private static bool IsSorted(List<SourceFile> files)
    {
        for (var i = 1; i < files.Count; i++)
        {
            if (string.CompareOrdinal(files[i - 1].Path, files[i].Path) > 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>An archive whose files all sit in one top folder has that folder as its root.</summary>
    private static List<SourceFile> StripSingleRoot(List<SourceFile> files)
    {
        if (files.Count == 0)
        {
            return files;
        }

        var slash = files[0].Path.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return files;
        }

        var prefix = files[0].Path[..(slash + 1)];
        if (!files.TrueForAll(f => f.Path.StartsWith(prefix, StringComparison.Ordinal) && f.Path.Length > prefix.Length))
        {
            return files;
        }

        return files.ConvertAll(f => f with { Path = f.Path[prefix.Length..] });
    }
}
