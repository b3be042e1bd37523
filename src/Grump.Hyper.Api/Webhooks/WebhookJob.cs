using Grump.Hyper.Api.Jobs;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Grump.Hyper.Api.Auth;
using Grump.Hyper.Api.Endpoints;
using Grump.Hyper.Api.Storage;
using Hangfire;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Grump.Hyper.Api.Webhooks;

/// <summary>The body of a webhook: Standard Webhooks' type, timestamp and data (the job as GET /jobs/{id} shows it).</summary>
public sealed record WebhookPayload(string Type, DateTimeOffset Timestamp, JobView Data);

/// <summary>
/// Delivers one attempt of a webhook: signs it and sends it through the SSRF-guarded client with Polly (a
/// timeout per attempt and a circuit breaker per endpoint), and records the attempt. A network error,
/// 408, 429 or 5xx schedules the next attempt as a delayed Hangfire job (exponential backoff with jitter,
/// or the receiver's Retry-After), as Svix and Stripe do, so a slow receiver never holds a webhook worker
/// while it waits; other 4xx are final. The log names the delivery and the job, never the URL or host.
/// </summary>
[AutomaticRetry(Attempts = 0)]
public sealed class WebhookJob(IJobRecords records, IDeliveryStore deliveries, IHttpClientFactory clients, TenantDirectory tenants, IOptions<WebhookOptions> options,
    WebhookPipelines pipelines, IBackgroundJobClient jobs, Observability.ApiMetrics metrics, ILogger<WebhookJob> logger)
{
    public const string HttpClientName = "webhooks";

    /// <param name="attempt">The attempt within this round of delivery (0 first; a redelivery starts a new round).</param>
    [JobName("webhook")]
    public async Task RunAsync(string jobId, string deliveryId, int attempt, CancellationToken cancellationToken)
    {
        var delivery = await deliveries.GetDeliveryAsync(jobId, deliveryId, cancellationToken);
        var job = await records.GetAsync(jobId, cancellationToken);
        if (delivery is null || job is null || delivery.Status == "succeeded")
        {
            return;
        }

        var secret = tenants.IsOpen ? options.Value.SigningSecret : tenants.WebhookSecret(job.Tenant);
        if (!WebhookSigner.TryDecodeSecret(secret, out var key))
        {
            await deliveries.SaveDeliveryAsync(delivery with { Status = "failed", Attempts = delivery.Attempts.Add(new DeliveryAttempt(delivery.Attempts.Length + 1, DateTimeOffset.UtcNow, null, "no signing secret is configured for this tenant", 0)) }, CancellationToken.None);
            return;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(new WebhookPayload(delivery.Event, DateTimeOffset.UtcNow, JobView.From(job)), ApiJson.Default.WebhookPayload);
        var client = clients.CreateClient(HttpClientName);
        var uri = new Uri(delivery.Url);
        var started = Stopwatch.StartNew();
        int? status = null;
        string? error = null;
        TimeSpan? retryAfter = null;
        var transient = false;
        try
        {
            using var response = await pipelines.For(uri).ExecuteAsync(async token =>
            {
                var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new("application/json");
                request.Headers.Add("webhook-id", delivery.Id);
                request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
                request.Headers.Add("webhook-signature", WebhookSigner.Sign(key, delivery.Id, timestamp, body));
                return await client.SendAsync(request, token);
            }, cancellationToken);
            status = (int)response.StatusCode;
            transient = WebhookPipelines.IsTransient(response.StatusCode);
            retryAfter = WebhookPipelines.RetryAfter(response, options.Value.MaxDelay);
            metrics.WebhookAttempt(response.IsSuccessStatusCode ? "delivered" : "rejected");
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or BrokenCircuitException or OperationCanceledException)
        {
            error = Describe(ex);
            var blocked = ex is HttpRequestException { InnerException: WebhookBlockedException };
            transient = !blocked;
            if (ex is BrokenCircuitException broken)
            {
                retryAfter = broken.RetryAfter;
            }

            metrics.WebhookAttempt(blocked ? "blocked" : "error");
        }

        var attempts = delivery.Attempts.Add(new DeliveryAttempt(delivery.Attempts.Length + 1, DateTimeOffset.UtcNow, status, error, started.Elapsed.TotalMilliseconds));
        var retry = transient && attempt < options.Value.MaxRetries;
        var outcome = status is >= 200 and < 300 ? "succeeded" : retry ? "pending" : "failed";
        await deliveries.SaveDeliveryAsync(delivery with { Status = outcome, Attempts = attempts }, CancellationToken.None);
        if (retry)
        {
            var delay = retryAfter ?? Backoff(attempt, options.Value);
            jobs.Schedule<WebhookJob>(WebhookDispatcher.Queue, w => w.RunAsync(jobId, deliveryId, attempt + 1, CancellationToken.None), delay);
        }
        else if (outcome == "failed")
        {
            // Never the URL, its host or an exception message (they name the host): the delivery record has the detail.
            var reason = status is { } code ? $"status {code}" : error is not null && error.StartsWith("blocked", StringComparison.Ordinal) ? "blocked address" : "no response";
            logger.LogWarning("Webhook {DeliveryId} for job {JobId} failed after {Attempts} attempts: {Reason}", deliveryId, jobId, attempts.Length, reason);
        }
    }

    /// <summary>Exponential backoff with full jitter between half and the whole step, capped.</summary>
    internal static TimeSpan Backoff(int attempt, WebhookOptions o)
    {
        var step = Math.Min(o.MaxDelay.TotalMilliseconds, o.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt));
        return TimeSpan.FromMilliseconds(step * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    private static string Describe(Exception ex) => ex switch
    {
        HttpRequestException { InnerException: WebhookBlockedException blocked } => "blocked: " + blocked.Message,
        HttpRequestException http => http.HttpRequestError.ToString(),
        TimeoutRejectedException => "timed out",
        BrokenCircuitException => "circuit open for this endpoint",
        _ => "cancelled",
    };
}

/// <summary>One Polly pipeline per endpoint (scheme, host, port), so a failing receiver opens only its own circuit; retries are scheduled jobs.</summary>
public sealed class WebhookPipelines(IOptions<WebhookOptions> options)
{
    private readonly ConcurrentDictionary<string, ResiliencePipeline<HttpResponseMessage>> _pipelines = new(StringComparer.Ordinal);

    public ResiliencePipeline<HttpResponseMessage> For(Uri uri) => _pipelines.GetOrAdd(uri.GetLeftPart(UriPartial.Authority), _ => Build(options.Value));

    internal static bool IsTransient(HttpStatusCode status) => status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static ResiliencePipeline<HttpResponseMessage> Build(WebhookOptions o)
    {
        var handled = new PredicateBuilder<HttpResponseMessage>()
            .Handle<HttpRequestException>(ex => ex.InnerException is not WebhookBlockedException)
            .Handle<TimeoutRejectedException>()
            .HandleResult(r => IsTransient(r.StatusCode));
        return new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = handled,
                FailureRatio = 1.0,
                MinimumThroughput = o.BreakerMinimumThroughput,
                SamplingDuration = TimeSpan.FromMinutes(1),
                BreakDuration = o.BreakDuration,
            })
            .AddTimeout(o.Timeout)
            .Build();
    }

    /// <summary>A receiver's Retry-After (seconds or a date), capped; null lets the backoff decide.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan max)
    {
        var header = response?.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return wait is { } w && w > TimeSpan.Zero ? (w < max ? w : max) : null;
    }
}
