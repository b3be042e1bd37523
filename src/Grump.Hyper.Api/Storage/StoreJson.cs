using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Grump.Hyper.Api.Storage;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(JobRecord))]
[JsonSerializable(typeof(ImmutableArray<ArtifactInfo>))]
[JsonSerializable(typeof(Grump.Hyper.Compiler.Project.ProjectManifest))]
[JsonSerializable(typeof(IdempotencyEntry))]
[JsonSerializable(typeof(DeliveryRecord))]
[JsonSerializable(typeof(ArtifactReference))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class StoreJson : JsonSerializerContext;
