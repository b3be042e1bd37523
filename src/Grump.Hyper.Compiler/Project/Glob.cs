using System.Text;
using System.Text.RegularExpressions;

namespace Grump.Hyper.Compiler.Project;

/// <summary>Path globs as in grump.json: <c>**</c> spans folders, <c>*</c> and <c>?</c> stay inside one.</summary>
public sealed class Glob
{
    public const int MaxLength = 256;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Regex> Compiled = new(StringComparer.Ordinal);

    private readonly Regex _regex;
    private readonly Func<string, bool>? _fast;

    private Glob(string pattern, Regex regex)
    {
        Pattern = pattern;
        _regex = regex;
        _fast = FastPath(pattern);
    }

    public string Pattern { get; }

    public bool IsMatch(string path) => _fast?.Invoke(path) ?? _regex.IsMatch(path);

    /// <summary>The regex's answer, fast path or not (tests hold the fast paths to it).</summary>
    internal bool RegexMatch(string path) => _regex.IsMatch(path);

    /// <summary>
    /// The shapes grump.json files use most, matched without the regex (every build matches every path
    /// against every glob): <c>**</c>; <c>**/*suffix</c> (the last segment ends with suffix); <c>prefix/**</c>.
    /// Each means exactly what the regex means; anything else goes to the regex.
    /// </summary>
    private static Func<string, bool>? FastPath(string pattern)
    {
        static bool Literal(string text) => text.IndexOfAny(['*', '?']) < 0;
        if (pattern == "**")
        {
            return static _ => true;
        }

        if (pattern.StartsWith("**/*", StringComparison.Ordinal) && pattern.Length > 4 && Literal(pattern[4..]) && !pattern[4..].Contains('/', StringComparison.Ordinal))
        {
            var suffix = pattern[4..];
            return path => path.EndsWith(suffix, StringComparison.Ordinal);
        }

        if (pattern.EndsWith("/**", StringComparison.Ordinal) && pattern.Length > 3 && Literal(pattern[..^3]))
        {
            var prefix = pattern[..^2];
            return path => path.StartsWith(prefix, StringComparison.Ordinal);
        }

        return null;
    }

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
        // One regex per pattern per process (bounded: patterns come from users' grump.json files).
        if (Compiled.Count > 4096)
        {
            Compiled.Clear();
        }

        glob = new Glob(pattern, Compiled.GetOrAdd(sb.ToString(), static source => new Regex(source, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, TimeSpan.FromSeconds(1))));
        return true;
    }
}
