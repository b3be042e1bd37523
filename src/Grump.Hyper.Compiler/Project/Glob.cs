using System.Text;
using System.Text.RegularExpressions;

namespace Grump.Hyper.Compiler.Project;

/// <summary>Path globs as in grump.json: <c>**</c> spans folders, <c>*</c> and <c>?</c> stay inside one.</summary>
public sealed class Glob
{
    public const int MaxLength = 256;

    private readonly Regex _regex;

    private Glob(string pattern, Regex regex)
    {
        Pattern = pattern;
        _regex = regex;
    }

    public string Pattern { get; }

    public bool IsMatch(string path) => _regex.IsMatch(path);

    public static bool TryCreate(string pattern, out Glob? glob)
    {
        glob = null;
        if (pattern.Length == 0 || pattern.Length > MaxLength || pattern.Contains('\\', StringComparison.Ordinal))
        {
            return false;
        }

        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                var slashAfter = i + 2 < pattern.Length && pattern[i + 2] == '/';
                sb.Append(slashAfter ? "(?:.*/)?" : ".*");
                i += slashAfter ? 2 : 1;
            }
            else if (c == '*')
            {
                sb.Append("[^/]*");
            }
            else if (c == '?')
            {
                sb.Append("[^/]");
            }
            else
            {
                sb.Append(Regex.Escape(c.ToString()));
            }
        }

        sb.Append('$');
        glob = new Glob(pattern, new Regex(sb.ToString(), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, TimeSpan.FromSeconds(1)));
        return true;
    }
}
