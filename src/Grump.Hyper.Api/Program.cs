using Grump.Hyper.Api.Configuration;
using Grump.Hyper.Api.Endpoints;
using Grump.Hyper.Api.Observability;
using Grump.Hyper.Api.OpenApi;

if (args.Contains("--role") && args.SkipWhile(a => a != "--role").Skip(1).FirstOrDefault() == "worker")
{
    // A worker process: the Hangfire server on the shared storage, no HTTP endpoints.
    var worker = Host.CreateApplicationBuilder(args);
    worker.Services.AddHyperCore(worker.Configuration, worker.Environment.ContentRootPath).AddHyperHangfire(worker.Configuration);
    await worker.Build().RunAsync();
    return;
}

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddHyperCore(builder.Configuration, builder.Environment.ContentRootPath)
    .AddHyperHangfire(builder.Configuration)
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
