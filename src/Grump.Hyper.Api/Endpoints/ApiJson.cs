using System.Text.Json;
using System.Text.Json.Serialization;
using Grump.Hyper.Api.Webhooks;

namespace Grump.Hyper.Api.Endpoints;

/// <summary>Source-generated JSON for what the API reads and writes outside of endpoint results (webhook bodies, JSON request bodies read by hand).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(WebhookPayload))]
[JsonSerializable(typeof(CompileManifestRequest))]
[JsonSerializable(typeof(MissingBlobsRequest))]
internal sealed partial class ApiJson : JsonSerializerContext;
