using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Grump.Hyper.Api.OpenApi;

/// <summary>Descriptions and examples for every operation and error response, so the document lints clean and reads well.</summary>
internal static class OpenApiDocs
{
    private static readonly Dictionary<string, (string Code, string Description, string Detail)> Errors = new()
    {
        ["400"] = ("invalid-tier", "The request is malformed or an option is invalid; `code` names the rule.", "'ludicrous' is not a tier; use conservative, balanced, aggressive or insane."),
        ["401"] = ("unauthorized", "No API key, or one that belongs to no tenant.", "Send a valid API key as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'."),
        ["404"] = ("job-not-found", "No such job for this tenant (another tenant's job is not found either).", "There is no job '01a2147a08277696a0d2368a88bddc8b'."),
        ["409"] = ("job-not-finished", "The job is in the wrong state for this request (not finished, already finished, or an idempotent request still in flight).", "Job '01a2147a08277696a0d2368a88bddc8b' is running; poll /jobs/01a2147a08277696a0d2368a88bddc8b until it has finished."),
        ["413"] = ("archive-entry-too-large", "The archive breaks a size limit (request, entries, per-file or total bytes, compression ratio); `limit` and `entry` say which.", "'big.intent' is over 8388608 bytes uncompressed."),
        ["415"] = ("archive-unsupported-format", "The body is neither multipart nor a zip, tar.gz or tar archive.", "The body is not a zip, tar.gz or tar archive (detected by content, not by name)."),
        ["422"] = ("archive-path-traversal", "The archive holds an entry that is not allowed (traversal, absolute path, link, device, duplicate), or an Idempotency-Key was reused for another request.", "'../evil.intent' contains '..'; entries must stay inside the archive."),
        ["503"] = ("storage-unavailable", "The job store or queue cannot be reached; nothing was accepted. Retry after Retry-After.", "The job store or queue cannot be reached; the archive was not accepted. Retry later (GET /readyz tells when)."),
        ["429"] = ("rate-limited", "The tenant's rate limit is reached; wait for Retry-After.", "This tenant's rate limit is reached; retry after 1 s."),
    };

    private static readonly Dictionary<string, string> OperationDescriptions = new()
    {
        ["version"] = "The service, compiler and runtime versions; useful to check a deployment.",
        ["healthz"] = "Liveness: answers as long as the process runs. Never checks dependencies.",
        ["readyz"] = "Readiness: 200 when the job store and the Hangfire queue answer, 503 with the failing check named otherwise.",
        ["jobs/{id}/result"] = "The manifest, plan, diagnostics and every compiled module of a finished job, in one document (409 while it runs).",
        ["jobs/{id}/artifacts"] = "Every artifact of a finished job with its size and SHA-256.",
        ["jobs/{id}/artifacts.zip"] = "Every artifact of a finished job in one zip, with fixed timestamps so the same artifacts give the same zip.",
        ["jobs/{id}/artifacts/{path}"] = "One artifact by its path, for example manifest.json, plan.json or modules/checkout.json.",
        ["jobs/{id}/deliveries"] = "Every webhook delivery of the job with every attempt: time, status code or error, duration.",
        ["jobs/{id}/deliveries/{deliveryId}/redeliver"] = "Sends the delivery again with the same webhook-id (receivers deduplicate on it).",
    };

    private static readonly JsonNode JobExample = JsonNode.Parse("""
        {"id":"01a2147a08277696a0d2368a88bddc8b","status":"succeeded","tier":"balanced","label":"nightly",
         "createdAt":"2026-11-25T20:51:11.528Z","startedAt":"2026-11-25T20:51:11.745Z","finishedAt":"2026-11-25T20:51:12.059Z",
         "progress":{"filesTotal":14,"filesDone":14,"stage":"done"},"success":true,"diagnostics":{"errors":0,"warnings":0},
         "metrics":null,"failureReason":null,
         "links":{"self":"/jobs/01a2147a08277696a0d2368a88bddc8b","result":"/jobs/01a2147a08277696a0d2368a88bddc8b/result","artifacts":"/jobs/01a2147a08277696a0d2368a88bddc8b/artifacts"}}
        """)!;

    private static readonly Dictionary<string, string> Examples = new()
    {
        ["JobPage"] = """{"items":[],"nextCursor":"01a2147a08277696a0d2368a88bddc8b"}""",
        ["ArtifactInfo"] = """[{"path":"manifest.json","bytes":5256,"sha256":"92e97cb9b5e8754282b5c6859b3b18718a54b3bcbdb8d7ec05b9341a791cb4e9"},{"path":"modules/checkout.json","bytes":2984,"sha256":"1fd130d218224944dffa944d234cbee47e69eb4de20478c2b3178090e60d439a"}]""",
        ["DeliveryRecord"] = """{"id":"msg_01a2149738767a41b557f601f438c0c8","jobId":"01a2147a08277696a0d2368a88bddc8b","event":"job.succeeded","url":"https://ci.example.org/hooks/grump","createdAt":"2026-11-25T21:23:04.438Z","status":"succeeded","attempts":[{"number":1,"at":"2026-11-25T21:23:04.512Z","statusCode":503,"error":null,"milliseconds":12.4},{"number":2,"at":"2026-11-25T21:23:06.601Z","statusCode":200,"error":null,"milliseconds":9.8}]}""",
        ["HealthReport"] = """{"status":"ready","version":"0.1.0","checks":{"store":"ok (redis)","queue":"ok (RedisStorage)"}}""",
        ["VersionInfo"] = """{"name":"grump-hyper","version":"0.1.0","compiler":"0.1.0","runtime":".NET 10.0.0","commit":"137d676e0f1b2c3d4e5f60718293a4b5c6d7e8f9"}""",
        ["JobResult"] = """{"id":"01a2147a08277696a0d2368a88bddc8b","success":true,"manifest":{"compiler":{"name":"grump-hyper","version":"0.1.0"},"project":{"name":"shop","constraints":{"budget":"low"}},"inputs":[],"modules":[],"chunks":[],"routes":{},"lazyChunks":{},"success":true,"diagnostics":{"errors":0,"warnings":0,"infos":0}},"plan":{"tasks":[],"executionOrder":[],"parallelBatches":[],"criticalPath":{"tasks":[],"estimatedSeconds":0},"estimatedDurationSeconds":0,"sequentialSeconds":0,"risk":{"level":"safe","safe":0,"moderate":0,"risky":0,"riskFactors":[],"autoApprovable":true}},"diagnostics":[],"modules":[]}""",
    };

    private static JsonNode? ExampleFor(IOpenApiSchema? schema)
    {
        var id = schema switch
        {
            OpenApiSchemaReference reference => reference.Reference.Id,
            OpenApiSchema { Items: OpenApiSchemaReference item } => item.Reference.Id,
            _ => null,
        };
        if (id == "JobView")
        {
            return JobExample.DeepClone();
        }

        if (id is null || !Examples.TryGetValue(id, out var json))
        {
            return null;
        }

        var node = JsonNode.Parse(json)!;
        return schema is OpenApiSchema && node is not JsonArray ? new JsonArray(node) : node;
    }

    public static void Describe(OpenApiOperation operation, string path)
    {
        if (string.IsNullOrEmpty(operation.Description))
        {
            operation.Description = OperationDescriptions.GetValueOrDefault(path) ?? operation.Summary;
        }

        if (path is "healthz" or "readyz" or "version")
        {
            operation.Security = [new OpenApiSecurityRequirement()];
        }

        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse concrete)
            {
                continue;
            }

            if (Errors.TryGetValue(status, out var error) && concrete.Content?.ContainsKey("application/problem+json") == true)
            {
                concrete.Description = error.Description;
                foreach (var media in concrete.Content.Values)
                {
                    media.Example = JsonNode.Parse($$"""
                        {"type":"urn:grump-hyper:problem:{{error.Code}}","title":"{{Title(status)}}","status":{{status}},
                         "detail":{{JsonValue.Create(error.Detail).ToJsonString()}},"code":"{{error.Code}}","traceId":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
                        """);
                }
            }
            else if (concrete.Content?.TryGetValue("application/json", out var json) == true && ExampleFor(json.Schema) is { } example)
            {
                if (status == "503" && example is JsonObject health)
                {
                    concrete.Description = "Not ready: the check that failed is named.";
                    health["status"] = "degraded";
                    health["checks"] = new JsonObject { ["store"] = "unreachable (redis)", ["queue"] = "unreachable" };
                }

                json.Example = example;
            }
        }
    }

    /// <summary>The members every problem of this API carries besides RFC 9457's own.</summary>
    public static void ExtendProblem(OpenApiSchema schema)
    {
        schema.Description = "RFC 9457 problem details. `type` is a stable URN and `code` its last part; archive problems add `entry` and `limit`.";
        schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
        schema.Properties["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The stable problem code, e.g. archive-path-traversal." };
        schema.Properties["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The W3C trace id of the request, for support." };
        schema.Properties["entry"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The archive entry that broke a rule." };
        schema.Properties["limit"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Description = "The limit that was exceeded." };
        schema.Properties["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status code." };
    }

    private static string Title(string status) => status switch
    {
        "400" => "Bad request",
        "401" => "Unauthorized",
        "404" => "Not found",
        "409" => "Conflict",
        "413" => "Archive refused",
        "415" => "Unsupported media type",
        "422" => "Archive refused",
        "503" => "Storage unavailable",
        _ => "Too many requests",
    };
}
