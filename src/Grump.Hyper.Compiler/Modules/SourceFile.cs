using System.Security.Cryptography;

namespace Grump.Hyper.Compiler.Modules;

/// <summary>A file of the project as bytes, at its '/'-separated path relative to the project root.</summary>
public sealed record SourceFile(string Path, ReadOnlyMemory<byte> Content)
{
    private string? _sha256;

    public string Sha256 => _sha256 ??= Hash(Content.Span);

    public static string Hash(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));
}
