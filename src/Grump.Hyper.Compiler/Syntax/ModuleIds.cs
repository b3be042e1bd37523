namespace Grump.Hyper.Compiler.Syntax;

/// <summary>Module ids: lower-case path-like names such as <c>payments/stripe</c>.</summary>
public static class ModuleIds
{
    public const int MaxLength = 200;

    public static bool IsValid(string id)
    {
        if (id.Length == 0 || id.Length > MaxLength || id[0] == '/' || id[^1] == '/')
        {
            return false;
        }

        var segmentStart = true;
        foreach (var c in id)
        {
            if (c == '/')
            {
                if (segmentStart)
                {
                    return false;
                }

                segmentStart = true;
                continue;
            }

            var ok = char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || (!segmentStart && c is '-' or '_' or '.');
            if (!ok)
            {
                return false;
            }

            segmentStart = false;
        }

        return true;
    }

    /// <summary>The default id: the path without its extension, '/'-separated, lower-case, odd characters as '-'.</summary>
    public static string FromPath(string path)
    {
        var withoutExtension = path.EndsWith(".intent", StringComparison.OrdinalIgnoreCase) ? path[..^".intent".Length] : path;
        var chars = withoutExtension.Replace('\\', '/').ToLowerInvariant().ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '/' or '-' or '_' or '.'))
            {
                chars[i] = '-';
            }
        }

        var id = new string(chars).Trim('/');
        while (id.Contains("//", StringComparison.Ordinal))
        {
            id = id.Replace("//", "/", StringComparison.Ordinal);
        }

        // Segments must start with a letter or digit; prefix the rare one that does not.
        var segments = id.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (segments[i].Length == 0 || !char.IsAsciiLetterOrDigit(segments[i][0]))
            {
                segments[i] = "m" + segments[i];
            }
        }

        return string.Join('/', segments);
    }
}
