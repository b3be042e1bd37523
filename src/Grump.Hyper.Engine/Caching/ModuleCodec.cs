using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Engine.Caching;

/// <summary>What travels besides the module's own JSON: the parts that JSON leaves out.</summary>
internal sealed record StoredHeader(string Path, bool HasModule, ModuleLocations? Locations, ImmutableArray<StoredDiagnostic> Diagnostics);

internal sealed record StoredDiagnostic(string Code, string File, int Line, int Column, string Message);

[JsonSerializable(typeof(StoredHeader))]
internal sealed partial class CacheJson : JsonSerializerContext;

/// <summary>
/// A compiled module as bytes (for L2, and for shards handing their modules to the link step): a
/// length-prefixed header (path, link locations, diagnostics) and then the module's JSON exactly as
/// rendered, so a module read back renders to the same bytes.
/// </summary>
public static class ModuleCodec
{
    /// <summary>Several modules, each length-prefixed, in order.</summary>
    public static byte[] EncodeMany(IReadOnlyList<ModuleResult> results)
    {
        var parts = results.Select(Encode).ToArray();
        var bytes = new byte[4 + parts.Sum(p => 4 + p.Length)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, parts.Length);
        var at = 4;
        foreach (var part in parts)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), part.Length);
            part.CopyTo(bytes, at + 4);
            at += 4 + part.Length;
        }

        return bytes;
    }

    /// <summary>The modules of <see cref="EncodeMany"/>, or null when any of them cannot be read back.</summary>
    public static ImmutableArray<ModuleResult>? DecodeMany(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 4)
        {
            return null;
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        var results = ImmutableArray.CreateBuilder<ModuleResult>(Math.Max(0, count));
        var at = 4;
        for (var i = 0; i < count; i++)
        {
            if (at + 4 > bytes.Length)
            {
                return null;
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
            if (length < 0 || at + 4 + length > bytes.Length || Decode(bytes.Slice(at + 4, length)) is not { } result)
            {
                return null;
            }

            results.Add(result);
            at += 4 + length;
        }

        return at == bytes.Length ? results.MoveToImmutable() : null;
    }

    public static byte[] Encode(ModuleResult result)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new StoredHeader(
            result.Path,
            result.Module is not null,
            result.Module?.Locations,
            [.. result.Diagnostics.Select(d => new StoredDiagnostic(d.Code, d.File, d.Line, d.Column, d.Message))]), CacheJson.Default.StoredHeader);
        var body = result.Rendered ?? [];
        var bytes = new byte[4 + header.Length + body.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, header.Length);
        header.CopyTo(bytes, 4);
        body.CopyTo(bytes, 4 + header.Length);
        return bytes;
    }

    /// <summary>The result, or null when the bytes are not a module this compiler wrote (then it is recompiled).</summary>
    public static ModuleResult? Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes);
            var header = JsonSerializer.Deserialize(bytes.Slice(4, length), CacheJson.Default.StoredHeader);
            if (header is null)
            {
                return null;
            }

            var diagnostics = header.Diagnostics
                .Select(d => new Diagnostic(DiagnosticCatalog.All.Single(x => x.Code == d.Code), d.File, d.Line, d.Column, d.Message))
                .ToImmutableArray();
            if (!header.HasModule)
            {
                return new ModuleResult(header.Path, null, diagnostics);
            }

            var rendered = bytes[(4 + length)..].ToArray();
            var module = JsonSerializer.Deserialize(rendered, ArtifactJson.Default.CompiledModule);
            return module is null ? null : new ModuleResult(header.Path, module with { Locations = header.Locations ?? ModuleLocations.None }, diagnostics)
            {
                Rendered = rendered,
                RenderedHash = System.IO.Hashing.XxHash128.HashToUInt128(rendered),
            };
        }
        catch (Exception e) when (e is JsonException or ArgumentOutOfRangeException or InvalidOperationException)
        {
            return null;
        }
    }
}
