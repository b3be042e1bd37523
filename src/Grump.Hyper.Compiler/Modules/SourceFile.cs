using System.Security.Cryptography;

namespace Grump.Hyper.Compiler.Modules;

/// <summary>A file of the project as bytes, at its '/'-separated path relative to the project root.</summary>
public sealed record SourceFile
{
    private readonly ReadOnlyMemory<byte> _content;
    private readonly long _size;
    private readonly bool _loaded;
    private string? _sha256;

    public SourceFile(string path, ReadOnlyMemory<byte> content)
    {
        Path = path;
        Content = content;
    }

    public string Path { get; init; }

    /// <summary>The bytes. Setting them (also through <c>with</c>) forgets the hash computed for the old ones.</summary>
    /// <exception cref="InvalidOperationException">The file was <see cref="Described"/> and its bytes were never loaded.</exception>
    public ReadOnlyMemory<byte> Content
    {
        get => _loaded ? _content : throw new InvalidOperationException($"The bytes of {Path} were not loaded: this file is only described by its address and size.");
        init
        {
            _content = value;
            _size = value.Length;
            _loaded = true;
            _sha256 = null;
        }
    }

    /// <summary>The length of the bytes, known also when they were not loaded.</summary>
    public long Size => _size;

    /// <summary>False for a file only <see cref="Described"/>: reading its <see cref="Content"/> throws.</summary>
    public bool IsLoaded => _loaded;

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

    /// <summary>
    /// A file known by its address and size only: what steps after the compile (link, plan, split, emit) read of a
    /// source, so they can run from a manifest without loading the bytes again. Reading its content throws.
    /// </summary>
    public static SourceFile Described(string path, string sha256, long size) => new(path, sha256, size);

    private SourceFile(string path, string sha256, long size)
    {
        Path = path;
        _size = size;
        _sha256 = sha256;
    }

    /// <summary>Never reads the bytes, which a described file does not have.</summary>
    public override string ToString() => $"{Path} ({Size} bytes, sha256 {Sha256})";

    public static string Hash(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));
}
