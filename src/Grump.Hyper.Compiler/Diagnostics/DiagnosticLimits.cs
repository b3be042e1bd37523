using System.Collections.Immutable;

namespace Grump.Hyper.Compiler.Diagnostics;

/// <summary>
/// Bounds what a project can make the compiler report: a file with a hundred thousand unknown
/// dependencies gets its first <see cref="PerFile"/> diagnostics and one summary, a project its first
/// <see cref="PerProject"/>, so diagnostics and their artifact grow with the limits, not with hostile input.
/// A summary is an error when anything it hides is one, so success never changes by truncation.
/// </summary>
public static class DiagnosticLimits
{
    public const int PerFile = 100;
    public const int PerProject = 1000;

    /// <summary>Caps diagnostics already in <see cref="Diagnostic.Compare"/> order; the result keeps that order.</summary>
    public static ImmutableArray<Diagnostic> Cap(Diagnostic[] sorted)
    {
        if (sorted.Length <= PerFile)
        {
            return ImmutableArray.Create(sorted);
        }

        var kept = ImmutableArray.CreateBuilder<Diagnostic>(Math.Min(sorted.Length, PerProject + 64));
        var keptInProject = 0;
        Diagnostic? projectFirstHidden = null;
        int projectHidden = 0;
        var projectHiddenError = false;
        for (var start = 0; start < sorted.Length;)
        {
            var file = sorted[start].File;
            var end = start;
            while (end < sorted.Length && sorted[end].File == file)
            {
                end++;
            }

            var room = Math.Min(PerFile, PerProject - keptInProject);
            var take = Math.Clamp(room, 0, end - start);
            for (var i = start; i < start + take; i++)
            {
                kept.Add(sorted[i]);
            }

            keptInProject += take;
            var hidden = end - start - take;
            if (hidden > 0 && take > 0)
            {
                // The file's own summary sits after its last shown diagnostic.
                var anyError = HasError(sorted, start + take, end);
                var last = sorted[start + take - 1];
                kept.Add(Summary(anyError, last.File, last.Line, last.Column, hidden, "in this file", PerFile));
            }
            else if (hidden > 0)
            {
                projectFirstHidden ??= sorted[start];
                projectHidden += hidden;
                projectHiddenError |= HasError(sorted, start, end);
            }

            start = end;
        }

        if (projectFirstHidden is not null)
        {
            kept.Add(Summary(projectHiddenError, projectFirstHidden.File, 1, 1, projectHidden, "in this and later files", PerProject));
        }

        return kept.ToImmutable();
    }

    private static bool HasError(Diagnostic[] sorted, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            if (sorted[i].IsError)
            {
                return true;
            }
        }

        return false;
    }

    private static Diagnostic Summary(bool error, string file, int line, int column, int hidden, string where, int limit)
    {
        var descriptor = error ? DiagnosticCatalog.MoreErrorsNotShown : DiagnosticCatalog.MoreWarningsNotShown;
        return new Diagnostic(descriptor, file, line, column, descriptor.Format(hidden, where, limit));
    }
}
