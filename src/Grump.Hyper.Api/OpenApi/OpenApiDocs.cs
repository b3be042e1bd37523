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

            if (Errors.TryGetValue(status, out var error))
            {
                concrete.Description = error.Description;
                foreach (var media in concrete.Content?.Values ?? [])
                {
                    media.Example = JsonNode.Parse($$"""
                        {"type":"urn:grump-hyper:problem:{{error.Code}}","title":"{{Title(status)}}","status":{{status}},
                         "detail":{{JsonValue.Create(error.Detail).ToJsonString()}},"code":"{{error.Code}}","traceId":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
                        """);
                }
            }
            else if (concrete.Content?.TryGetValue("application/json", out var json) == true && json.Schema is OpenApiSchemaReference { Reference.Id: "JobView" })
            {
                json.Example = JobExample.DeepClone();
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
        _ => "Too many requests",
    };
}
