using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Engine.Archives;

namespace Grump.Hyper.Engine.Projects;

/// <summary>Loads a project's files from a folder or an archive on disk, under the same limits as an upload.</summary>
public static class ProjectSources
{
    public static ArchiveReadResult Load(string path, ArchiveLimits limits)
    {
        if (Directory.Exists(path))
        {
            return FromFolder(path, limits);
        }

        var info = new FileInfo(path);
        if (info.Length > limits.MaxArchiveBytes)
        {
            return new ArchiveReadResult(null, new ArchiveError(ArchiveErrorKind.TooLarge, $"{path} is {info.Length} bytes; the limit is {limits.MaxArchiveBytes}.", null, limits.MaxArchiveBytes));
        }

        using var stream = MappedFiles.Shared.Open(path);
        Span<byte> head = stackalloc byte[512];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        return ArchiveReader.Read(stream, head[..read], info.Length, limits);
    }

    private static ArchiveReadResult FromFolder(string root, ArchiveLimits limits)
    {
        var files = new List<SourceFile>();
        long total = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = false };
        foreach (var full in Directory.EnumerateFiles(root, "*", options).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, full).Replace(Path.DirectorySeparatorChar, '/');
            var error = ArchivePaths.Normalize(relative, limits, out var normalized, out var ignored);
            if (error is not null)
            {
                return new ArchiveReadResult(null, error);
            }

            if (ignored || normalized.Split('/').Any(s => s.StartsWith('.')))
            {
                continue; // .git, .DS_Store and other dot folders are never part of a project.
            }

            var length = new FileInfo(full).Length;
            total += length;
            if (files.Count >= limits.MaxEntries || length > limits.MaxEntryBytes || total > limits.MaxTotalBytes)
            {
                return new ArchiveReadResult(null, new ArchiveError(ArchiveErrorKind.TotalTooLarge,
                    $"The folder is over the limits ({limits.MaxEntries} files, {limits.MaxEntryBytes} bytes a file, {limits.MaxTotalBytes} bytes in all) at '{normalized}'.", normalized));
            }

            files.Add(new SourceFile(normalized, ReadAll(full, length)));
        }

        return new ArchiveReadResult(files, null);
    }

    private static byte[] ReadAll(string path, long length)
    {
        using var stream = MappedFiles.Shared.Open(path);
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
