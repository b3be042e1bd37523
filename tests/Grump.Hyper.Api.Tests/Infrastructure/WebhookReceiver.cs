using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Grump.Hyper.Api.Tests.Infrastructure;

/// <summary>A real HTTP receiver on 127.0.0.1 and a free port: records each request and answers with scripted statuses.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _script = new();

    public sealed record Received(IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset At);

    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<Received> Requests { get; } = new();

    public string Url { get; private set; } = string.Empty;

    /// <summary>Statuses for the next requests, in order; after them every request gets 200.</summary>
    public void Script(params int[] statuses)
    {
        foreach (var s in statuses)
        {
            _script.Enqueue(s);
        }
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            receiver.Requests.Enqueue(new Received(context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), buffer.ToArray(), DateTimeOffset.UtcNow));
            var status = receiver._script.TryDequeue(out var scripted) ? scripted : 200;
            if (status == 429)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            return Results.StatusCode(status);
        });
        await app.StartAsync();
        receiver.Url = app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/hook";
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
