using System.Security.Cryptography;
using System.Text;
using Grump.Hyper.Compiler.Emit;

namespace Grump.Hyper.Api.Storage;

/// <summary>
/// How both stores keep a composite artifact (a chunk: a head, its members' module JSON, a tail; a big
/// document: its blocks): not its bytes but a recipe naming the objects it is made of, so a chunk costs a
/// few hundred bytes of storage instead of a copy of every module in it, and an edited document only its
/// new blocks. The recipe is stored under the SHA-256 of the whole content, and the content is checked
/// against that hash when it is assembled again. The objects a chunk's recipe names are modules of the
/// same build, so the same index names them; the blocks a document's recipe names are listed beside the
/// index (<see cref="ArtifactReference.Parts"/>): retention keeps both as long as the job.
/// </summary>
public static class ObjectRecipe
{
    private static readonly byte[] Magic = "grump-recipe/1\n"u8.ToArray();

    /// <summary>The recipe's bytes: a line per part, "o sha256 length" (the first bytes of an object) or "i base64" (inline).</summary>
    public static byte[] Write(ArtifactContent content)
    {
        var text = new StringBuilder();
        for (var i = 0; i < content.Parts.Count; i++)
        {
            var part = content.Parts[i];
            if (content.PartSources[i] is { } source)
            {
                text.Append("o ").Append(source.Sha256).Append(' ').Append(part.Length).Append('\n');
            }
            else
            {
                text.Append("i ").Append(Convert.ToBase64String(part.Span)).Append('\n');
            }
        }

        return [.. Magic, .. Encoding.ASCII.GetBytes(text.ToString())];
    }

    public static bool IsRecipe(ReadOnlySpan<byte> stored) => stored.StartsWith(Magic);

    /// <summary>The stored bytes themselves, or, for a recipe, the content it names, verified against <paramref name="sha256"/>.</summary>
    public static async Task<byte[]?> AssembleAsync(byte[] stored, string sha256, Func<string, Task<byte[]?>> read)
    {
        if (!IsRecipe(stored))
        {
            return stored;
        }

        using var whole = new MemoryStream();
        foreach (var line in Encoding.ASCII.GetString(stored, Magic.Length, stored.Length - Magic.Length).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (fields is ["i", var inline])
            {
                whole.Write(Convert.FromBase64String(inline));
            }
            else if (fields is ["o", var sha, var length] && int.TryParse(length, System.Globalization.CultureInfo.InvariantCulture, out var n)
                && await read(sha) is { } part && part.Length >= n)
            {
                whole.Write(part, 0, n);
            }
            else
            {
                return null; // a part is missing: the artifact is not there, as for a missing object
            }
        }

        var bytes = whole.ToArray();
        return Convert.ToHexStringLower(SHA256.HashData(bytes)) == sha256
            ? bytes
            : throw new InvalidDataException($"Artifact {sha256} assembled from its parts has another hash.");
    }
}
