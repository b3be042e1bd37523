using System.Text.Json.Nodes;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Api.Webhooks;
using Grump.Hyper.Engine.Pipeline;
using Microsoft.OpenApi;

namespace Grump.Hyper.Api.OpenApi;

/// <summary>
/// What the minimal-API description cannot say by itself and generators need: the headers each operation
/// reads and sends, the closed sets of values (tiers, statuses, events) as enums, and the webhooks the
/// service sends, with their payload and signature headers. Names and values come from the code's own
/// constants, so the document cannot drift from what the service does.
/// </summary>
internal static class OpenApiContract
{
    private static readonly string[] Tiers = [.. Enum.GetValues<CompileTier>().Select(t => t.Name())];

    private static readonly string[] Statuses = [JobStatus.Queued, JobStatus.Running, JobStatus.Succeeded, JobStatus.Failed, JobStatus.Cancelled];

    private static readonly string[] DeliveryStatuses = ["pending", "succeeded", "failed"];

    private static readonly (string Event, string Summary)[] Events =
    [
        (WebhookEvents.Started, "A job started compiling"),
        (WebhookEvents.Succeeded, "A job finished and its artifacts are ready"),
        (WebhookEvents.Failed, "A job failed (error diagnostics, or the compile could not finish)"),
        (WebhookEvents.Cancelled, "A job was cancelled"),
    ];

    /// <summary>
    /// The closed sets, each one named schema that every property of that kind refers to: a generator makes one
    /// enum type of each (inline enums gave NSwag three tier enums and two status enums).
    /// </summary>
    private static readonly (string Name, string Description, string[] Values)[] Enums =
    [
        ("Tier", "A compile tier: what the engine turns on (see the README's tier table). The artifacts never depend on it.", Tiers),
        ("JobStatus", "Queued and running jobs end succeeded, failed or cancelled.", Statuses),
        ("DeliveryStatus", "Pending while attempts remain; succeeded on a 2xx; failed when the attempts ran out.", DeliveryStatuses),
        ("WebhookEvent", "What happened to the job.", [.. Events.Select(e => e.Event)]),
        ("MentionStatus", "Where a technology or feature a module mentions stands: wanted; negated, ruled out (\"no Kafka\"); removed, in use today and to go (\"retire Memcached\").",
            [Grump.Hyper.Compiler.Modules.MentionStatus.Wanted, Grump.Hyper.Compiler.Modules.MentionStatus.Negated, Grump.Hyper.Compiler.Modules.MentionStatus.Removed]),
    ];

    /// <summary>Numbers as numbers (see inside).</summary>
    public static void DescribeSchema(OpenApiSchema schema)
    {
        // The web defaults read numbers from strings too, so every number was described as "integer or string"
        // with a pattern; the service writes numbers, and generators made a composed type of each (Kiota).
        if (schema.Type is { } kind && (kind & JsonSchemaType.String) != 0 && (kind & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && schema.Pattern is not null)
        {
            schema.Type = kind & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
    }

    /// <summary>
    /// Properties whose values are a closed set refer to the named enums; the project's constraints become the
    /// free-form object they are (a JsonElement has no schema of its own). Done on the finished components:
    /// a schema transformer may not swap a property for a reference while the generator still walks it.
    /// </summary>
    private static void ReferToEnums(IDictionary<string, IOpenApiSchema> schemas)
    {
        void Refer(string type, string property, string named)
        {
            if (schemas.TryGetValue(type, out var found) && found is OpenApiSchema { Properties: { } properties } && properties.ContainsKey(property))
            {
                properties[property] = new OpenApiSchemaReference(named);
            }
        }

        Refer("CompileManifestRequest", "tier", "Tier");
        Refer("JobView", "status", "JobStatus");
        Refer("JobView", "tier", "Tier");
        Refer("DeliveryRecord", "status", "DeliveryStatus");
        Refer("DeliveryRecord", "event", "WebhookEvent");
        Refer("FeatureInfo", "status", "MentionStatus");
        Refer("TechInfo", "status", "MentionStatus");
        Describe("TechInfo", "negated", "True when the technology is not part of the stack the module asks for: ruled out or removed (`status` says which). Kept from the first version of the contract.");
        Describe("TechInfo", "replacedBy", "For a removed technology, the one the text names to replace it (\"swap Angular for Svelte\"); else null.");
        Describe("FeatureInfo", "negated", "True when the feature is not part of what the module will have: ruled out or removed (`status` says which). A removed feature still gets a task: its removal.");
        Describe("PlanTask", "dependsOn", "The tasks this one waits for directly: the transitive reduction of its waits (a wait that another listed wait already implies is left out). A project whose depends or rules form a cycle lists every wait.");
        Describe("PlanTask", "estimatedSeconds", "The action's seconds for a feature of medium size, halved for a small feature and doubled for a large one, plus 5 per tool (the planning tables, tasks.txt).");

        void Describe(string type, string property, string text)
        {
            if (schemas.TryGetValue(type, out var found) && found is OpenApiSchema { Properties: { } properties } && properties.TryGetValue(property, out var schema) && schema is OpenApiSchema concrete)
            {
                concrete.Description = text;
            }
        }

        if (schemas.TryGetValue("ProjectStamp", out var stamp) && stamp is OpenApiSchema { Properties: { } stampProperties })
        {
            stampProperties["constraints"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object | JsonSchemaType.Null,
                AdditionalPropertiesAllowed = true,
                Description = "The constraints object of grump.json as written, or null.",
            };
            schemas.Remove("JsonElement");
        }
    }

    /// <summary>The request and response headers of one operation, by its operation id (and a body the endpoint cannot declare).</summary>
    public static void DescribeHeaders(OpenApiOperation operation)
    {
        operation.Parameters ??= [];
        if (operation.OperationId == "SubmitManifest" && operation.Responses?.TryGetValue("409", out var conflict) == true && conflict is OpenApiResponse missing)
        {
            missing.Description = "Some of the manifest's blobs are not held (`blobs-missing`, with the digests in `missing`), or the first request with this Idempotency-Key is still in flight.";
        }

        switch (operation.OperationId)
        {
            case "SubmitCompile" or "SubmitManifest":
                operation.Parameters.Add(Header("Idempotency-Key",
                    "Makes a retried submission safe: the same key and body within a day answer the job accepted the first time; the same key with another body is refused (422).",
                    new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 255 }));
                operation.Parameters.Add(Header("Prefer",
                    "`wait=N` (RFC 7240, N at most 30): hold the response up to N seconds for the job to finish; 200 with the finished job, else 202 as without it.",
                    new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^wait=[0-9]+$" }));
                AddResponseHeader(operation, "202", "Location", "The job's URL, to poll.", UriReference());
                AddResponseHeader(operation, "202", "Retry-After", "Seconds to wait before the first poll.", Seconds());
                AddResponseHeader(operation, "200", "Location", "The finished job's URL.", UriReference());
                AddResponseHeader(operation, "200", "Preference-Applied", "The wait that was honoured, as `wait=N`.", new OpenApiSchema { Type = JsonSchemaType.String });
                break;
            case "GetJob":
                operation.Parameters.Add(Header("If-None-Match", "An ETag of an earlier answer: 304 while the job has not changed since.", new OpenApiSchema { Type = JsonSchemaType.String }));
                AddResponseHeader(operation, "200", "ETag", "Changes whenever the job does; send it back as If-None-Match.", new OpenApiSchema { Type = JsonSchemaType.String });
                AddResponseHeader(operation, "304", "ETag", "The unchanged job's tag.", new OpenApiSchema { Type = JsonSchemaType.String });
                break;
            case "PutBlobs":
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Description = "A zip or tar.gz whose entries are named by their SHA-256 (any Content-Type; the format is read from the bytes).",
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/octet-stream"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } } },
                };
                break;
            case "CancelJob":
                AddResponseHeader(operation, "202", "Location", "The job's URL.", UriReference());
                break;
            case "ListJobs":
                foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>())
                {
                    if (parameter.Name == "status")
                    {
                        parameter.Schema = new OpenApiSchemaReference("JobStatus");
                    }
                }

                break;
        }

        if (operation.Parameters.Count == 0)
        {
            operation.Parameters = null;
        }

        // Every refusal for load says when to come back.
        AddResponseHeader(operation, "429", "Retry-After", "Seconds until the tenant's rate limit admits another request.", Seconds());
        AddResponseHeader(operation, "503", "Retry-After", "Seconds to wait before trying again.", Seconds());
    }

    /// <summary>
    /// The named enums, and the <c>webhooks</c> section: one POST per event the service sends to a job's callback URL, signed as
    /// Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature), with the job as it was at the event.
    /// </summary>
    public static void DescribeDocument(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var (name, description, values) in Enums)
        {
            document.Components.Schemas[name] = new OpenApiSchema { Type = JsonSchemaType.String, Description = description, Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))] };
        }

        ReferToEnums(document.Components.Schemas);
        InlineBinary(document);

        document.Components.Schemas["WebhookPayload"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "The body of every webhook: the event, when it happened, and the job as GET /jobs/{id} would show it then.",
            Required = new HashSet<string> { "type", "timestamp", "data" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchemaReference("WebhookEvent", document),
                ["timestamp"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" },
                ["data"] = new OpenApiSchemaReference("JobView", document),
            },
        };
        document.Webhooks = new Dictionary<string, IOpenApiPathItem>();
        foreach (var (name, summary) in Events)
        {
            var operation = new OpenApiOperation
            {
                OperationId = "Webhook" + string.Concat(name.Split('.').Select(p => char.ToUpperInvariant(p[0]) + p[1..])),
                Summary = summary,
                Description = $"Sent to the job's callbackUrl when its callbackEvents include {name} (when none are named: {string.Join(", ", WebhookEvents.Default)}). Verify the signature with the tenant's secret before trusting the body; deduplicate on webhook-id (a redelivery keeps it).",
                Tags = new HashSet<OpenApiTagReference> { new("Jobs", document) },
                Security = [],
                Parameters =
                [
                    Header("webhook-id", "The delivery's id; the same on every attempt and on a redelivery.", new OpenApiSchema { Type = JsonSchemaType.String }, required: true),
                    Header("webhook-timestamp", "Unix seconds when this attempt was signed.", new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" }, required: true),
                    Header("webhook-signature", "`v1,<base64 HMAC-SHA256>` of `id.timestamp.body` with the tenant's secret (space-separated when several).", new OpenApiSchema { Type = JsonSchemaType.String }, required: true),
                ],
                RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference("WebhookPayload", document) } },
                },
                Responses = new OpenApiResponses
                {
                    ["200"] = new OpenApiResponse { Description = "Received. Any 2xx counts; anything else, a timeout or a network error is retried with backoff." },
                },
            };
            document.Webhooks[name] = new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Post] = operation } };
        }
    }

    /// <summary>
    /// Bodies of raw bytes as the inline <c>{type: string, format: binary}</c> generators look for: behind a
    /// reference to a shared "Stream" schema NSwag took them for JSON and serialised its file parameter.
    /// </summary>
    private static void InlineBinary(OpenApiDocument document)
    {
        if (document.Components?.Schemas?.Remove("Stream") != true)
        {
            return;
        }

        IEnumerable<OpenApiMediaType> Media(OpenApiOperation operation) =>
            (operation.RequestBody?.Content?.Values ?? Enumerable.Empty<OpenApiMediaType>())
                .Concat((operation.Responses?.Values ?? Enumerable.Empty<IOpenApiResponse>()).SelectMany(r => r.Content?.Values ?? Enumerable.Empty<OpenApiMediaType>()));
        foreach (var operation in (document.Paths?.Values ?? Enumerable.Empty<IOpenApiPathItem>()).SelectMany(p => p.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>()))
        {
            foreach (var media in Media(operation))
            {
                if (media.Schema is OpenApiSchemaReference { Reference.Id: "Stream" })
                {
                    media.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
                }
            }
        }
    }

    private static OpenApiParameter Header(string name, string description, OpenApiSchema schema, bool required = false) =>
        new() { Name = name, In = ParameterLocation.Header, Description = description, Required = required, Schema = schema };

    private static OpenApiSchema Seconds() => new() { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "0" };

    // A relative reference such as /jobs/{id}; no format (Kiota knows none for it, and a string is what every client reads).
    private static OpenApiSchema UriReference() => new() { Type = JsonSchemaType.String };

    private static void AddResponseHeader(OpenApiOperation operation, string status, string name, string description, OpenApiSchema schema)
    {
        if (operation.Responses?.TryGetValue(status, out var found) == true && found is OpenApiResponse response)
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[name] = new OpenApiHeader { Description = description, Schema = schema };
        }
    }
}
