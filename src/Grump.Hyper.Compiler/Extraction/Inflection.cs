namespace Grump.Hyper.Compiler.Extraction;

/// <summary>Just enough English morphology for plurals, possessives and verb forms.</summary>
internal static class Inflection
{
    private static readonly WordStrings Singulars = new();

    /// <summary>The singular of a token's word (numbered: worked out once per process), or null when it has none.</summary>
    public static string? SingularOf(in Token token) => Singulars.Get(token.Word, token.Norm, static word => TrySingular(word, out var singular) ? singular : null);

    public static bool TrySingular(string word, out string singular)
    {
        singular = word;
        if (word.Length < 3 || !char.IsAsciiLetterLower(word[^1]))
        {
            if (word.EndsWith("'s", StringComparison.Ordinal) && word.Length > 3)
            {
                singular = word[..^2];
                return true;
            }

            return false;
        }

        if (word.EndsWith("ies", StringComparison.Ordinal) && word.Length > 4)
        {
            singular = word[..^3] + "y";
        }
        else if (word.EndsWith("sses", StringComparison.Ordinal) || word.EndsWith("xes", StringComparison.Ordinal) ||
                 word.EndsWith("ches", StringComparison.Ordinal) || word.EndsWith("shes", StringComparison.Ordinal))
        {
            singular = word[..^2];
        }
        else if (word[^1] == 's' && word[^2] is not ('s' or 'u' or 'i'))
        {
            singular = word[..^1];
        }

        return !ReferenceEquals(singular, word);
    }

    /// <summary>Base-form candidates of a verb: "integrating" gives "integrat", "integrate".</summary>
    public static IEnumerable<string> VerbBases(string word)
    {
        yield return word;
        if (word.Length < 4)
        {
            yield break;
        }

        if (word.EndsWith("ing", StringComparison.Ordinal) && word.Length > 5)
        {
            var stem = word[..^3];
            yield return stem;
            yield return stem + "e";
            if (stem.Length > 2 && stem[^1] == stem[^2])
            {
                yield return stem[..^1];
            }
        }
        else if (word.EndsWith("ied", StringComparison.Ordinal))
        {
            yield return word[..^3] + "y";
        }
        else if (word.EndsWith("ed", StringComparison.Ordinal))
        {
            var stem = word[..^2];
            yield return stem;
            yield return word[..^1];
            if (stem.Length > 2 && stem[^1] == stem[^2])
            {
                yield return stem[..^1];
            }
        }
        else if (word.EndsWith("es", StringComparison.Ordinal))
        {
            yield return word[..^2];
            yield return word[..^1];
        }
        else if (word[^1] == 's' && word[^2] != 's')
        {
            yield return word[..^1];
        }
    }
}
