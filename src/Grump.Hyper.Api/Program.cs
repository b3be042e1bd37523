using Grump.Hyper.Api.Configuration;
using Grump.Hyper.Api.Endpoints;
using Grump.Hyper.Api.Observability;
using Grump.Hyper.Api.OpenApi;

// --role all (default): HTTP and Hangfire servers; api: HTTP only; worker: Hangfire servers only.
var role = new ConfigurationBuilder().AddCommandLine(args).Build()["role"] ?? "all";
if (role == "worker")
{
    var worker = Host.CreateApplicationBuilder(args);
    worker.Services.AddHyperCore(worker.Configuration, worker.Environment.ContentRootPath).AddHyperHangfire(worker.Configuration);
    await worker.Build().RunAsync();
    return;
}

var builder = WebApplication.CreateBuilder(args);
role = builder.Configuration["role"] ?? role;
if (role is not ("all" or "api"))
{
    throw new InvalidOperationException($"Unknown role '{role}': use all, api or worker.");
}

builder.Services.AddHyperCore(builder.Configuration, builder.Environment.ContentRootPath)
    .AddHyperHangfire(builder.Configuration, runServers: role == "all")
    .AddHyperHttp(builder.Configuration)
    .AddHyperOpenApi()
    .AddHyperOperations();

var app = builder.Build();
app.UseHyperHttp();
app.MapHealthApi();
app.MapHyperOperations();
app.MapCompileApi();
app.MapJobsApi();
app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
