using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>
/// The one JSON shape of every artifact: camelCase, indented with '\n' on every platform, nulls left out,
/// source-generated so no reflection runs per compile.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    NewLine = "\n",
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Manifest))]
[JsonSerializable(typeof(ModuleDocument))]
[JsonSerializable(typeof(CompiledModule))]
[JsonSerializable(typeof(ImmutableArray<DiagnosticEntry>))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(Grump.Hyper.Compiler.Planning.Plan))]
[JsonSerializable(typeof(ProjectGraph))]
public sealed partial class ArtifactJson : JsonSerializerContext
{
    [ThreadStatic]
    private static (System.Buffers.ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer, JsonSerializerOptions Options)? t_scratch;

    /// <summary>
    /// The value's JSON and a final '\n', as one array of exactly that size: written through a buffer kept per
    /// thread, so a module costs one allocation for its bytes (it was three: the serialiser's array, then a copy
    /// to add the newline, on top of the serialiser's own buffer).
    /// </summary>
    public static byte[] Serialize<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
    {
        if (t_scratch is not { } scratch || !ReferenceEquals(scratch.Options, info.Options))
        {
            t_scratch = scratch = NewScratch(info.Options);
        }

        var (buffer, writer, _) = scratch;
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        JsonSerializer.Serialize(writer, value, info);
        writer.Flush();
        var bytes = new byte[buffer.WrittenCount + 1];
        buffer.WrittenSpan.CopyTo(bytes);
        bytes[^1] = (byte)'\n';
        if (buffer.Capacity > 1 << 20)
        {
            t_scratch = null; // a huge document's buffer is not kept for the small ones after it
        }

        return bytes;
    }

    private static (System.Buffers.ArrayBufferWriter<byte>, Utf8JsonWriter, JsonSerializerOptions) NewScratch(JsonSerializerOptions options)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        // The writer's settings are the serialiser's, so the bytes are the same as SerializeToUtf8Bytes made.
        var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Encoder = options.Encoder,
            Indented = options.WriteIndented,
            IndentCharacter = options.IndentCharacter,
            IndentSize = options.IndentSize,
            NewLine = options.NewLine,
            MaxDepth = options.MaxDepth,
            SkipValidation = true,
        });
        return (buffer, writer, options);
    }
}
