using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Grump.Hyper.Api.OpenApi;

/// <summary>The served OpenAPI document; <c>openapi.yaml</c> in the repository is a checked copy of it.</summary>
public static class OpenApiSetup
{
    public static IServiceCollection AddHyperOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Grump Hyper",
                    Version = Grump.Hyper.Compiler.CompilerInfo.Version,
                    Description = "Compile-as-a-service for .intent projects: submit an archive, follow the job, fetch the artifacts. Errors are RFC 9457 problem details.",
                    License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-Proprietary" },
                };
                document.Servers = [new OpenApiServer { Url = "/", Description = "The service that serves this document" }];
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
                {
                    ["bearer"] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "A tenant's API key as a bearer token." },
                    ["apiKey"] = new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key", Description = "A tenant's API key." },
                };
                document.Security =
                [
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] },
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] },
                ];
                document.Tags = new HashSet<OpenApiTag>
                {
                    new() { Name = "Compile", Description = "Submit archives of .intent files." },
                    new() { Name = "Jobs", Description = "Follow jobs, read results and artifacts, cancel, and manage webhook deliveries." },
                    new() { Name = "Operations", Description = "Health, readiness and version; no API key needed." },
                    new() { Name = "Blobs", Description = "Upload only the sources the service does not hold yet, then compile from a manifest." },
                };
                OpenApiContract.DescribeDocument(document);
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (context.JsonTypeInfo.Type == typeof(Microsoft.AspNetCore.Mvc.ProblemDetails) || context.JsonTypeInfo.Type == typeof(Microsoft.AspNetCore.Http.HttpValidationProblemDetails))
                {
                    OpenApiDocs.ExtendProblem(schema);
                }

                OpenApiContract.DescribeSchema(schema);

                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                OpenApiDocs.Describe(operation, context.Description.RelativePath ?? string.Empty);
                OpenApiContract.DescribeHeaders(operation);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.RelativePath == "compile" && context.Description.HttpMethod == "POST")
                {
                    operation.RequestBody = CompileRequestBody();
                }

                return Task.CompletedTask;
            });
        });

    private static OpenApiRequestBody CompileRequestBody()
    {
        OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String, Description = description };
        return new OpenApiRequestBody
        {
            Required = true,
            // One media type per operation: generators (Kiota, openapi-typescript, NSwag) build one body per
            // operation, and one offering multipart, zip and gzip at once could not be called from Kiota. The raw
            // body is still accepted (the operation's description says how); the manifest has its own operation.
            Description = "The archive as the multipart field `archive`, with the job's options as fields.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["multipart/form-data"] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string> { "archive" },
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["archive"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "A zip or tar.gz of .intent files (and an optional grump.json)." },
                            ["tier"] = new OpenApiSchemaReference("Tier") { Description = "The tier to compile under (default balanced)." },
                            ["label"] = Text("A free label, at most 200 characters."),
                            ["callbackUrl"] = Text("An http(s) URL to receive signed webhooks."),
                            ["callbackEvents"] = Text("Comma-separated: job.started, job.succeeded, job.failed, job.cancelled."),
                        },
                    },
                },
            },
        };
    }
}
