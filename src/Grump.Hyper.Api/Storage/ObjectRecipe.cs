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

    /// <summary>
    /// The stored bytes themselves, or, for a recipe, the content it names, verified against <paramref name="sha256"/>.
    /// The objects it names are asked for together (<paramref name="readMany"/>: one round trip a batch in Redis),
    /// never one at a time: a document is thousands of blocks, a large chunk thousands of modules.
    /// </summary>
    public static async Task<byte[]?> AssembleAsync(byte[] stored, string sha256, Func<IReadOnlyList<string>, Task<IReadOnlyList<byte[]?>>> readMany)
    {
        if (!IsRecipe(stored))
        {
            return stored;
        }

        var lines = Encoding.ASCII.GetString(stored, Magic.Length, stored.Length - Magic.Length).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var steps = new List<(byte[]? Inline, string? Object, int Length)>(lines.Length);
        foreach (var line in lines)
        {
            var fields = line.Split(' ');
            if (fields is ["i", var inline])
            {
                steps.Add((Convert.FromBase64String(inline), null, 0));
            }
            else if (fields is ["o", var sha, var length] && int.TryParse(length, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 0)
            {
                steps.Add((null, sha, n));
            }
            else
            {
                return null; // not a recipe this version reads: the artifact is not there
            }
        }

        string[] names = [.. steps.Where(s => s.Object is not null).Select(s => s.Object!).Distinct(StringComparer.Ordinal)];
        var found = await readMany(names);
        var objects = new Dictionary<string, byte[]>(names.Length, StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            if (found[i] is not { } part)
            {
                return null; // a part is missing: the artifact is not there, as for a missing object
            }

            objects[names[i]] = part;
        }

        using var whole = new MemoryStream();
        foreach (var (inline, name, length) in steps)
        {
            if (inline is not null)
            {
                whole.Write(inline);
            }
            else if (objects[name!] is { } part && part.Length >= length)
            {
                whole.Write(part, 0, length);
            }
            else
            {
                return null;
            }
        }

        var bytes = whole.ToArray();
        return Convert.ToHexStringLower(SHA256.HashData(bytes)) == sha256
            ? bytes
            : throw new InvalidDataException($"Artifact {sha256} assembled from its parts has another hash.");
    }
}
