using System.Text.Json;
using System.Text.Json.Serialization;
using Grump.Hyper.Api.Webhooks;

namespace Grump.Hyper.Api.Endpoints;

/// <summary>Source-generated JSON for what the API writes outside of endpoint results (webhook bodies).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(WebhookPayload))]
internal sealed partial class ApiJson : JsonSerializerContext;
