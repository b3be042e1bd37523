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

    public static string Hash(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));
}
