using System.Security.Cryptography;

namespace Grump.Hyper.Compiler.Modules;

/// <summary>A file of the project as bytes, at its '/'-separated path relative to the project root.</summary>
public sealed record SourceFile
{
    private readonly ReadOnlyMemory<byte> _content;
    private string? _sha256;

    public SourceFile(string path, ReadOnlyMemory<byte> content)
    {
        Path = path;
        Content = content;
    }

    public string Path { get; init; }

    /// <summary>The bytes. Setting them (also through <c>with</c>) forgets the hash computed for the old ones.</summary>
    public ReadOnlyMemory<byte> Content
    {
        get => _content;
        init
        {
            _content = value;
            _sha256 = null;
        }
    }

    public string Sha256 => _sha256 ??= Hash(_content.Span);

    /// <summary>
    /// A file read back from a content-addressed store by its address: the bytes are hashed once here and must
    /// be that address, so the hash travels with the file and is never computed again downstream.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not the content at <paramref name="sha256"/>.</exception>
    public static SourceFile Verified(string path, ReadOnlyMemory<byte> content, string sha256)
    {
        var file = new SourceFile(path, content);
        if (!string.Equals(file.Sha256, sha256, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The stored bytes of {path} do not hash to their address {sha256} (got {file.Sha256}): the store is damaged.");
        }

        return file;
    }

    public static string Hash(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));
}
