using System.Formats.Tar;
using System.IO.Compression;

namespace Grump.Hyper.Cli;

/// <summary>A project folder as the CLI uploads it, whichever way: its files, and a .tar.gz of named files.</summary>
internal static class ProjectFolder
{
    /// <summary>
    /// The files under <paramref name="root"/> in ordinal path order, '/'-separated relative paths; dot-files and
    /// dot-folders (.git, .github) stay home.
    /// </summary>
    public static IEnumerable<(string Relative, string FullPath)> Files(string root)
    {
        root = Path.GetFullPath(root);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (!relative.Split('/').Any(segment => segment.StartsWith('.')))
            {
                yield return (relative, file);
            }
        }
    }

    /// <summary>A .tar.gz of the files, each under the name given.</summary>
    public static byte[] TarGz(IEnumerable<(string Name, string FullPath)> files)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Gnu, leaveOpen: true))
        {
            foreach (var (name, path) in files)
            {
                tar.WriteEntry(path, name);
            }
        }

        return buffer.ToArray();
    }
}
