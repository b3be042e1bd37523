using Grump.Hyper.Compiler.Emit;

namespace Grump.Hyper.Engine.Projects;

/// <summary>Writes artifacts under a folder, replacing what a previous compile left there.</summary>
public static class ArtifactWriter
{
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
