using Grump.Hyper.Api.Configuration;
using Grump.Hyper.Api.Endpoints;
using Grump.Hyper.Api.Observability;
using Grump.Hyper.Api.OpenApi;

// Hangfire's storage calls Redis synchronously, and a burst of submissions blocks that many pool threads at
// once. With the default floor (one thread per core) the pool grows by about one thread a second, and
// StackExchange.Redis replies wait queued behind the blocked callers until they time out: measured, 39 of 50
// parallel submissions answered 503 after 5 s (WORKER Busy=11 Min=2, 43 items queued, replies unread).
// A higher floor lets the pool grow at once; the threads are only created when needed.
ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
ThreadPool.SetMinThreads(Math.Max(minWorkers, 128), Math.Max(minIo, 128));

// --role all (default): HTTP and Hangfire servers; api: HTTP only; worker: Hangfire servers only.
var role = new ConfigurationBuilder().AddCommandLine(args).Build()["role"] ?? "all";
if (role == "worker")
{
    var worker = Host.CreateApplicationBuilder(args);
    worker.Services.AddHyperCore(worker.Configuration, worker.Environment.ContentRootPath).AddHyperHangfire(worker.Configuration);
    var heartbeat = worker.Configuration["Hyper:HeartbeatFile"] is { Length: > 0 } file ? file : Grump.Hyper.Api.Observability.WorkerHeartbeat.DefaultPath;
    worker.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<Grump.Hyper.Api.Observability.WorkerHeartbeat>(sp, heartbeat));
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
app.MapBlobsApi();
app.MapJobsApi();
app.MapJobEventsApi();
app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
