using Grump.Hyper.Compiler.Emit;

namespace Grump.Hyper.Engine.Projects;

/// <summary>Writes artifacts under a folder, replacing what a previous compile left there.</summary>
public static class ArtifactWriter
{
    /// <summary>
    /// Writes into <paramref name="folder"/>: new, empty, or holding a previous compile's output, which is removed
    /// first, so no file of the build before stays beside the new manifest. Any other folder with files in it is
    /// refused (nothing is deleted that this tool did not write).
    /// </summary>
    /// <exception cref="IOException">The folder holds files that are not a previous output.</exception>
    public static void ReplaceIn(ArtifactSet artifacts, string folder)
    {
        var root = new DirectoryInfo(Path.GetFullPath(folder));
        if (root.Exists && root.EnumerateFileSystemInfos().Any())
        {
            if (!IsPreviousOutput(root))
            {
                throw new IOException($"{folder} is not empty and holds no previous grump-hyper output (no manifest.json from this compiler); give a new or empty folder");
            }

            foreach (var entry in root.EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo directory)
                {
                    directory.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }
        }

        WriteTo(artifacts, folder);
    }

    private static bool IsPreviousOutput(DirectoryInfo root)
    {
        var manifest = Path.Combine(root.FullName, ArtifactSet.Manifest);
        if (!File.Exists(manifest))
        {
            return false;
        }

        // Only the head is read: "compiler" is the manifest's first member, and the whole file can be tens of MB.
        var head = new byte[4096];
        int read;
        using (var stream = File.OpenRead(manifest))
        {
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        var reader = new System.Text.Json.Utf8JsonReader(head.AsSpan(0, read), isFinalBlock: false, default);
        try
        {
            var inCompiler = false;
            while (reader.Read())
            {
                if (reader.TokenType != System.Text.Json.JsonTokenType.PropertyName)
                {
                    continue;
                }

                if (reader.CurrentDepth == 1)
                {
                    inCompiler = reader.ValueTextEquals("compiler");
                }
                else if (inCompiler && reader.CurrentDepth == 2 && reader.ValueTextEquals("name"))
                {
                    return reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.String && reader.ValueTextEquals(Grump.Hyper.Compiler.CompilerInfo.Name);
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return false;
    }

    public static void WriteTo(ArtifactSet artifacts, string folder)
    {
        var root = Path.GetFullPath(folder);
        foreach (var (path, content) in artifacts)
        {
            var target = Path.GetFullPath(Path.Combine(root, path));
            if (!target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Artifact path '{path}' would leave the output folder.");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using var file = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024);
            content.WriteTo(file); // a chunk is written from its parts, never copied together
        }
    }
}
