using System.Collections.Immutable;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Diagnostics;

/// <summary>
/// A build's diagnostics in <see cref="Diagnostic.Compare"/> order, kept between builds of one project: an edit that
/// recompiles a few modules takes their old diagnostics out of the last build's sorted list and merges their new ones
/// in, instead of gathering and sorting every module's again (at 100,000 files that sort and its arrays were a twelfth
/// of a 10-file edit). Inputs are compared by reference; what they hold is immutable.
/// </summary>
internal sealed class SortedDiagnostics
{
    /// <summary>Past this share of modules with other diagnostics than last build, a full sort is as cheap.</summary>
    private const int MergeUpTo = 8;

    private ImmutableArray<Diagnostic>[] _byModule = [];

    /// <summary>The results <see cref="_byModule"/> stands for, by position: the very same result needs no look at its diagnostics.</summary>
    private ModuleResult[] _results = [];
    private (ImmutableArray<Diagnostic> Project, ImmutableArray<Diagnostic> Link, ImmutableArray<Diagnostic> Split) _others;
    private Diagnostic[] _sorted = [];
    private ImmutableArray<Diagnostic> _capped = [];
    private bool _known;

    /// <summary>Every diagnostic of the build, sorted and capped: the selection's, the modules' (in input order), the link's and the split's.</summary>
    public ImmutableArray<Diagnostic> Of(ImmutableArray<Diagnostic> project, IReadOnlyList<ModuleResult> results, ImmutableArray<Diagnostic> link, ImmutableArray<Diagnostic> split)
    {
        if (_known && _byModule.Length == results.Count && Same(_others.Project, project) && Same(_others.Link, link) && Same(_others.Split, split)
            && Changed(results) is { } changed)
        {
            if (changed.Count == 0)
            {
                return _capped;
            }

            var sorted = Merge(results, changed);
            var capped = DiagnosticLimits.Cap(sorted);
            foreach (var m in changed)
            {
                (_byModule[m], _results[m]) = (results[m].Diagnostics, results[m]);
            }

            (_sorted, _capped) = (sorted, capped);
            return capped;
        }

        return Full(project, results, link, split);
    }

    /// <summary>Which modules' diagnostics are not the ones of last build, or null when too many for a merge to pay.</summary>
    /// <remarks>
    /// A result that is the very one at its place is passed over unread (reading every result's diagnostics was a walk
    /// over 100,000 objects per edit there); a recompiled module whose diagnostics are equal to its last ones (a body
    /// edit that adds or fixes none, the usual case) changes nothing: the sorted list keeps the old, equal values.
    /// </remarks>
    private List<int>? Changed(IReadOnlyList<ModuleResult> results)
    {
        var changed = new List<int>();
        for (var m = 0; m < results.Count; m++)
        {
            var result = results[m];
            if (ReferenceEquals(_results[m], result))
            {
                continue;
            }

            if (Same(_byModule[m], result.Diagnostics) || _byModule[m].AsSpan().SequenceEqual(result.Diagnostics.AsSpan()))
            {
                _results[m] = result;
            }
            else
            {
                changed.Add(m);
                if (changed.Count * MergeUpTo > results.Count)
                {
                    return null;
                }
            }
        }

        return changed;
    }

    /// <summary>The last sorted list less the changed modules' old diagnostics, merged with their new ones (sorted on their own).</summary>
    private Diagnostic[] Merge(IReadOnlyList<ModuleResult> results, List<int> changed)
    {
        var gone = new HashSet<Diagnostic>(ReferenceEqualityComparer.Instance);
        var added = new List<Diagnostic>();
        foreach (var m in changed)
        {
            gone.UnionWith(_byModule[m]);
            added.AddRange(results[m].Diagnostics);
        }

        added.Sort(Diagnostic.Compare);
        var merged = new Diagnostic[_sorted.Length - gone.Count + added.Count];
        int k = 0, a = 0;
        foreach (var d in _sorted)
        {
            if (gone.Contains(d))
            {
                continue;
            }

            for (; a < added.Count && Diagnostic.Compare(added[a], d) < 0; a++)
            {
                merged[k++] = added[a];
            }

            merged[k++] = d;
        }

        for (; a < added.Count; a++)
        {
            merged[k++] = added[a];
        }

        return merged;
    }

    private ImmutableArray<Diagnostic> Full(ImmutableArray<Diagnostic> project, IReadOnlyList<ModuleResult> results, ImmutableArray<Diagnostic> link, ImmutableArray<Diagnostic> split)
    {
        var all = new List<Diagnostic>(project);
        var byModule = new ImmutableArray<Diagnostic>[results.Count];
        for (var m = 0; m < results.Count; m++)
        {
            byModule[m] = results[m].Diagnostics;
            all.AddRange(byModule[m]);
        }

        all.AddRange(link);
        all.AddRange(split);
        var sorted = all.ToArray();
        Array.Sort(sorted, Diagnostic.Compare);
        var capped = DiagnosticLimits.Cap(sorted);
        (_byModule, _results, _others, _sorted, _capped, _known) = (byModule, [.. results], (project, link, split), sorted, capped, true);
        return capped;
    }

    private static bool Same(ImmutableArray<Diagnostic> a, ImmutableArray<Diagnostic> b) =>
        a == b || (a.Length == b.Length && a.AsSpan().SequenceEqual(b.AsSpan(), ReferenceEqualityComparer.Instance));
}
