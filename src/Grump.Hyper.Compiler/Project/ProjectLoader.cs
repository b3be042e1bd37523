using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Project;

/// <summary>The files of a project after its root, settings and globs are applied.</summary>
/// <param name="VendorPaths">
/// A frozen set (a hash table, read many times): every build asks it once per source in several steps, and the
/// immutable set it was (a tree) cost about 100 ms of lookups per build at 100,000 sources.
/// </param>
public sealed record ProjectSelection(
    ProjectSettings Settings,
    ImmutableArray<SourceFile> Sources,
    FrozenSet<string> VendorPaths,
    ImmutableArray<SourceFile> Inputs,
    ImmutableArray<Diagnostic> Diagnostics)
{
    /// <summary>How this selection was made from its list of files, for selecting the next build's list (see <see cref="ProjectLoader.Select(IEnumerable{SourceFile}, SelectionOrder?)"/>).</summary>
    public SelectionOrder? Order { get; init; }

    private bool[]? _sourceVendor;
    private bool[]? _inputVendor;

    /// <summary>
    /// Whether source <paramref name="index"/> is vendor code. Asked of every source by several steps of every build:
    /// answered by position, from flags the selection order keeps (an edit's selection looks nothing up) or made once
    /// per selection, where a lookup in <see cref="VendorPaths"/> reads the path's characters each time (at 100,000
    /// sources, 8-10 ms a walk, most of it cache misses on the paths).
    /// </summary>
    public bool IsVendor(int index) => VendorPaths.Count != 0 && (Order?.SourceVendor ?? (_sourceVendor ??= Flags(Sources)))[index];

    /// <summary>The same for input <paramref name="index"/> (the project file is no vendor code).</summary>
    public bool IsVendorInput(int index) => VendorPaths.Count != 0 && (Order?.InputVendor ?? (_inputVendor ??= Flags(Inputs)))[index];

    private bool[] Flags(ImmutableArray<SourceFile> files) => [.. files.Select(f => VendorPaths.Contains(f.Path))];
}

/// <summary>
/// What a selection decided about each file of its list, by position: the same list of paths again (an edit changes
/// contents, not paths) is selected in one walk over it, without sorting the paths, matching globs or reading
/// grump.json again, as long as grump.json's bytes are the same. Holds paths and decisions, never a file's bytes.
/// </summary>
public sealed class SelectionOrder
{
    internal const sbyte Other = -1, Source = 0, Vendor = 1, ProjectFile = 2;

    internal SelectionOrder(string[] paths, int prefix, int[] sorted, sbyte[] roles, string? projectFileSha256, ProjectSelection made)
    {
        (Paths, Prefix, Sorted, Roles, ProjectFileSha256) = (paths, prefix, sorted, roles, projectFileSha256);
        (Settings, VendorPaths, Diagnostics, SourceCount, InputCount) = (made.Settings, made.VendorPaths, made.Diagnostics, made.Sources.Length, made.Inputs.Length);

        // The files in path order that are inputs (sources, vendor or not, and the project file) and sources, by position.
        (SourceVendor, InputVendor) = (new bool[SourceCount], new bool[InputCount]);
        int source = 0, input = 0;
        foreach (var role in roles)
        {
            if (role == Other)
            {
                continue;
            }

            InputVendor[input++] = role == Vendor;
            if (role != ProjectFile)
            {
                SourceVendor[source++] = role == Vendor;
            }
        }
    }

    /// <summary>Each source's vendor flag, by its place among the sources (see <see cref="ProjectSelection.IsVendor"/>).</summary>
    internal bool[] SourceVendor { get; }

    /// <summary>Each input's vendor flag, by its place among the inputs.</summary>
    internal bool[] InputVendor { get; }

    /// <summary>The paths as the list gave them, in its order.</summary>
    internal string[] Paths { get; }

    /// <summary>The length of the single top folder stripped from every path, 0 when none was.</summary>
    internal int Prefix { get; }

    /// <summary>The list position of each file in path order.</summary>
    internal int[] Sorted { get; }

    /// <summary>What each file in path order is to the project.</summary>
    internal sbyte[] Roles { get; }

    internal string? ProjectFileSha256 { get; }

    // What the selection came to besides its files (which are the last build's, and not kept here).
    internal ProjectSettings Settings { get; }

    internal FrozenSet<string> VendorPaths { get; }

    internal ImmutableArray<Diagnostic> Diagnostics { get; }

    internal int SourceCount { get; }

    internal int InputCount { get; }
}

/// <summary>Finds the project root and settings, then picks the sources the settings ask for.</summary>
public static class ProjectLoader
{
    public static ProjectSelection Select(IEnumerable<SourceFile> files) => Select(files, previous: null);

    /// <summary>
    /// As <see cref="Select(IEnumerable{SourceFile})"/>; when <paramref name="files"/> lists the same paths in the same
    /// order as the list <paramref name="previous"/> was made from, and grump.json has the same bytes, the files are
    /// placed by the decisions made then (one walk: no sort, no glob), which gives the same selection.
    /// </summary>
    public static ProjectSelection Select(IEnumerable<SourceFile> files, SelectionOrder? previous)
    {
        var input = files.ToList();
        if (previous is not null && Again(input, previous) is { } again)
        {
            return again;
        }

        string[] paths = [.. input.Select(f => f.Path)]; // before the sort below, which may reorder this very list
        var all = StripSingleRoot(input);
        var prefix = ReferenceEquals(all, input) || input.Count == 0 ? 0 : input[0].Path.Length - all[0].Path.Length;
        int[] sorted;
        if (IsSorted(all))
        {
            sorted = [.. Enumerable.Range(0, all.Count)];
        }
        else
        {
            var position = new Dictionary<SourceFile, int>(all.Count, ReferenceEqualityComparer.Instance);
            for (var i = 0; i < all.Count; i++)
            {
                position.TryAdd(all[i], i);
            }

            all.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path)); // uploads usually come sorted: checked in one pass first
            sorted = [.. all.Select(f => position[f])];
        }

        var diagnostics = new DiagnosticBag();
        var projectFile = all.FirstOrDefault(f => f.Path == ProjectSettings.FileName);
        var settings = projectFile is null ? ProjectSettings.Default : ProjectFileParser.Parse(projectFile.Path, projectFile.Content, diagnostics);

        var sources = ImmutableArray.CreateBuilder<SourceFile>();
        var vendor = new List<string>();
        var roles = new sbyte[all.Count];
        for (var k = 0; k < all.Count; k++)
        {
            var file = all[k];
            roles[k] = ReferenceEquals(file, projectFile) ? SelectionOrder.ProjectFile : SelectionOrder.Other;
            if (!file.Path.EndsWith(".intent", StringComparison.OrdinalIgnoreCase) ||
                !settings.Include.Any(g => g.IsMatch(file.Path)) || settings.Exclude.Any(g => g.IsMatch(file.Path)))
            {
                continue;
            }

            sources.Add(file);
            roles[k] = SelectionOrder.Source;
            if (settings.Vendor.Any(g => g.IsMatch(file.Path)))
            {
                vendor.Add(file.Path);
                roles[k] = SelectionOrder.Vendor;
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

        var made = new ProjectSelection(settings, sources.ToImmutable(), vendor.ToFrozenSet(StringComparer.Ordinal), inputs.ToImmutable(), diagnostics.ToImmutableSorted());
        return made with { Order = new SelectionOrder(paths, prefix, sorted, roles, projectFile?.Sha256, made) };
    }

    /// <summary>The selection of <paramref name="input"/> by the decisions of <paramref name="previous"/>, or null when its paths or grump.json differ.</summary>
    private static ProjectSelection? Again(List<SourceFile> input, SelectionOrder previous)
    {
        if (input.Count != previous.Paths.Length)
        {
            return null;
        }

        // Every path is read: remembering the file objects checked here would make the selection, which the service keeps
        // per tenant, hold the bytes of the files it last saw (a selection holds paths and decisions, never bytes).
        for (var i = 0; i < input.Count; i++)
        {
            if (!string.Equals(input[i].Path, previous.Paths[i], StringComparison.Ordinal))
            {
                return null;
            }
        }

        // Plain arrays of the sealed type, not builders: a builder's generic store checks each element's type (at
        // 100,000 files two arrays of 100,000 stores a build), an array of a sealed type does not.
        var (sourceArray, inputArray) = (new SourceFile[previous.SourceCount], new SourceFile[previous.InputCount]);
        var sources = sourceArray.AsSpan(); // stored through spans: an array store of a reference reads the object's type
        var inputs = inputArray.AsSpan();
        int s = 0, n = 0;
        for (var k = 0; k < previous.Sorted.Length; k++)
        {
            var role = previous.Roles[k];
            if (role == SelectionOrder.Other)
            {
                continue;
            }

            var file = input[previous.Sorted[k]];
            if (role == SelectionOrder.ProjectFile && file.Sha256 != previous.ProjectFileSha256)
            {
                return null; // other settings: every decision may differ
            }

            file = previous.Prefix == 0 ? file : file with { Path = file.Path[previous.Prefix..] };
            if (role != SelectionOrder.ProjectFile)
            {
                sources[s++] = file;
            }

            inputs[n++] = file;
        }

        return new ProjectSelection(previous.Settings, ImmutableCollectionsMarshal.AsImmutableArray(sourceArray), previous.VendorPaths, ImmutableCollectionsMarshal.AsImmutableArray(inputArray), previous.Diagnostics) { Order = previous };
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
