using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grump.Hyper.Api.Tests.Infrastructure;

namespace Grump.Hyper.Api.Tests;

/// <summary>A job followed without polling: Server-Sent Events with resume, and the job's log.</summary>
public sealed class JobEventsTests : IAsyncLifetime
{
    private readonly HyperApiFactory _factory = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private static async Task<string> SubmitAsync(HttpClient client, CancellationToken ct)
    {
        using var response = await JobClient.SubmitAsync(client, Archives.TarGz(Archives.ExampleFiles("shop")), "shop.tar.gz", cancellationToken: ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
    }

    /// <summary>Reads the whole stream (it closes after the job's end) as (id, event, data) triples.</summary>
    private static async Task<List<(string Id, string Event, JsonElement Data)>> EventsAsync(HttpClient client, string id, string? lastEventId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{id}/events");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<(string, string, JsonElement)>();
        await foreach (var item in System.Net.ServerSentEvents.SseParser.Create(await response.Content.ReadAsStreamAsync(timeout.Token)).EnumerateAsync(timeout.Token))
        {
            events.Add((item.EventId ?? "", item.EventType, JsonDocument.Parse(item.Data).RootElement.Clone()));
        }

        return events;
    }

    [Fact]
    public async Task The_stream_shows_the_job_start_progress_and_end_with_the_webhooks_event_types_then_closes()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var id = await SubmitAsync(client, ct);
        var events = await EventsAsync(client, id, null, ct);

        Assert.Equal(("1", "job.started"), (events[0].Id, events[0].Event));
        Assert.Equal(("3", "job.succeeded"), (events[^1].Id, events[^1].Event));
        Assert.All(events[1..^1], e => Assert.Equal(("2", "job.progress"), (e.Id, e.Event)));
        Assert.All(events, e => Assert.Equal(id, e.Data.GetProperty("id").GetString()));
        Assert.Equal("succeeded", events[^1].Data.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Last_event_id_resumes_after_what_was_seen()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var id = await SubmitAsync(client, ct);
        await JobClient.WaitForFinishAsync(client, $"/jobs/{id}", ct);

        Assert.Equal(["job.started", "job.succeeded"], (await EventsAsync(client, id, null, ct)).Select(e => e.Event));
        Assert.Equal(["job.succeeded"], (await EventsAsync(client, id, "1", ct)).Select(e => e.Event));
        Assert.Empty(await EventsAsync(client, id, "3", ct));
    }

    [Fact]
    public async Task The_log_tells_the_stages_timings_cache_and_outcome_in_order()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var id = await SubmitAsync(client, ct);
        await JobClient.WaitForFinishAsync(client, $"/jobs/{id}", ct);
        using var response = await client.GetAsync($"/jobs/{id}/log", ct);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync(ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("queued: tier balanced, 14 files", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("started", lines[1], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("stage compile", StringComparison.Ordinal) && l.Contains(" ms", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("cache: 0 hits, 14 misses", StringComparison.Ordinal));
        Assert.EndsWith("succeeded: 0 errors, 0 warnings", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_job_is_a_404_problem_for_the_stream_and_the_log()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        foreach (var path in new[] { "/jobs/0123456789abcdef0123456789abcdef/events", "/jobs/0123456789abcdef0123456789abcdef/log" })
        {
            using var response = await client.GetAsync(path, ct);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }
}
