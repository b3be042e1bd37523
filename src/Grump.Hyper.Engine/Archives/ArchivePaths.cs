using System.Text;

namespace Grump.Hyper.Engine.Archives;

/// <summary>Turns an entry name into a safe relative '/'-separated path, or says why it cannot be one.</summary>
public static class ArchivePaths
{
    public static ArchiveError? Normalize(string raw, ArchiveLimits limits, out string path, out bool ignored)
    {
        path = string.Empty;
        ignored = false;
        if (raw.Length > limits.MaxPathLength)
        {
            return new ArchiveError(ArchiveErrorKind.PathTooLong, $"'{Truncate(raw)}' is {raw.Length} characters; the limit is {limits.MaxPathLength}.", Truncate(raw), limits.MaxPathLength);
        }

        foreach (var c in raw)
        {
            if (char.IsControl(c) || c == '\\')
            {
                return new ArchiveError(ArchiveErrorKind.InvalidPath, $"'{Printable(raw)}' contains a control character or a backslash; use '/' between folders.", Printable(raw));
            }
        }

        if (raw.StartsWith('/') || (raw.Length >= 2 && char.IsAsciiLetter(raw[0]) && raw[1] == ':'))
        {
            return new ArchiveError(ArchiveErrorKind.AbsolutePath, $"'{raw}' is an absolute path; entries must be relative.", raw);
        }

        var segments = new List<string>();
        foreach (var segment in raw.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                return new ArchiveError(ArchiveErrorKind.PathTraversal, $"'{raw}' contains '..'; entries must stay inside the archive.", raw);
            }

            segments.Add(segment);
        }

        if (segments.Count > limits.MaxPathDepth)
        {
            return new ArchiveError(ArchiveErrorKind.PathTooDeep, $"'{raw}' is {segments.Count} folders deep; the limit is {limits.MaxPathDepth}.", raw, limits.MaxPathDepth);
        }

        // Archivers on macOS add resource forks and folder caches that are not part of any project.
        ignored = segments.Count == 0 || segments[0] == "__MACOSX" || segments[^1] == ".DS_Store";
        path = string.Join('/', segments);
        return null;
    }

    private static string Truncate(string raw) => raw.Length <= 80 ? raw : raw[..80] + "…";

    private static string Printable(string raw)
    {
        var sb = new StringBuilder(raw.Length);
        foreach (var c in raw)
        {
            sb.Append(char.IsControl(c) ? '?' : c);
        }

        return Truncate(sb.ToString());
    }
}
