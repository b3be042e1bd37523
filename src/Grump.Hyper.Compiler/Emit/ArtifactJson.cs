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
    public static byte[] Serialize<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, info);
        var withNewline = new byte[bytes.Length + 1];
        bytes.CopyTo(withNewline, 0);
        withNewline[^1] = (byte)'\n';
        return withNewline;
    }
}
