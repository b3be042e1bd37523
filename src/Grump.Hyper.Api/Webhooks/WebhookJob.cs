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
/// Delivers one webhook: signs it, sends it through the SSRF-guarded client with Polly (a timeout per
/// attempt, retries with exponential backoff and jitter for network errors, 408, 429 and 5xx honouring
/// Retry-After, none for other 4xx, a circuit breaker per endpoint), and records every attempt.
/// </summary>
[AutomaticRetry(Attempts = 0)]
public sealed class WebhookJob(IJobStore store, IHttpClientFactory clients, TenantDirectory tenants, IOptions<WebhookOptions> options,
    WebhookPipelines pipelines, Observability.ApiMetrics metrics, ILogger<WebhookJob> logger)
{
    public const string HttpClientName = "webhooks";

    public async Task RunAsync(string jobId, string deliveryId, CancellationToken cancellationToken)
    {
        var delivery = await store.GetDeliveryAsync(jobId, deliveryId, cancellationToken);
        var job = await store.GetAsync(jobId, cancellationToken);
        if (delivery is null || job is null || delivery.Status == "succeeded")
        {
            return;
        }

        var secret = tenants.IsOpen ? options.Value.SigningSecret : tenants.WebhookSecret(job.Tenant);
        if (!WebhookSigner.TryDecodeSecret(secret, out var key))
        {
            await store.SaveDeliveryAsync(delivery with { Status = "failed", Attempts = delivery.Attempts.Add(new DeliveryAttempt(delivery.Attempts.Length + 1, DateTimeOffset.UtcNow, null, "no signing secret is configured for this tenant", 0)) }, CancellationToken.None);
            return;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(new WebhookPayload(delivery.Event, DateTimeOffset.UtcNow, JobView.From(job)), ApiJson.Default.WebhookPayload);
        var client = clients.CreateClient(HttpClientName);
        var attempts = delivery.Attempts.ToBuilder();
        var uri = new Uri(delivery.Url);
        var outcome = "failed";
        try
        {
            using var response = await pipelines.For(uri).ExecuteAsync(async token =>
            {
                var started = Stopwatch.StartNew();
                var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new("application/json");
                request.Headers.Add("webhook-id", delivery.Id);
                request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
                request.Headers.Add("webhook-signature", WebhookSigner.Sign(key, delivery.Id, timestamp, body));
                try
                {
                    var response = await client.SendAsync(request, token);
                    attempts.Add(new DeliveryAttempt(attempts.Count + 1, DateTimeOffset.UtcNow, (int)response.StatusCode, null, started.Elapsed.TotalMilliseconds));
                    metrics.WebhookAttempt(response.IsSuccessStatusCode ? "delivered" : "rejected");
                    await store.SaveDeliveryAsync(delivery with { Attempts = attempts.ToImmutable() }, CancellationToken.None);
                    return response;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OperationCanceledException)
                {
                    attempts.Add(new DeliveryAttempt(attempts.Count + 1, DateTimeOffset.UtcNow, null, Describe(ex), started.Elapsed.TotalMilliseconds));
                    metrics.WebhookAttempt(ex.InnerException is WebhookBlockedException ? "blocked" : "error");
                    await store.SaveDeliveryAsync(delivery with { Attempts = attempts.ToImmutable() }, CancellationToken.None);
                    throw;
                }
            }, cancellationToken);
            outcome = response.IsSuccessStatusCode ? "succeeded" : "failed";
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or BrokenCircuitException or OperationCanceledException)
        {
            if (ex is BrokenCircuitException)
            {
                attempts.Add(new DeliveryAttempt(attempts.Count + 1, DateTimeOffset.UtcNow, null, "circuit open for this endpoint", 0));
            }

            logger.LogWarning("Webhook {DeliveryId} for job {JobId} failed: {Reason}", deliveryId, jobId, Describe(ex));
        }

        await store.SaveDeliveryAsync(delivery with { Status = outcome, Attempts = attempts.ToImmutable() }, CancellationToken.None);
    }

    private static string Describe(Exception ex) => ex switch
    {
        HttpRequestException { InnerException: WebhookBlockedException blocked } => "blocked: " + blocked.Message,
        HttpRequestException http => http.Message,
        TimeoutRejectedException => "timed out",
        _ => ex.Message,
    };
}

/// <summary>One Polly pipeline per endpoint (scheme, host, port), so a failing receiver opens only its own circuit.</summary>
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
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = handled,
                MaxRetryAttempts = o.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = o.BaseDelay,
                MaxDelay = o.MaxDelay,
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, o.MaxDelay)),
            })
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
    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan max)
    {
        var header = response?.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return wait is { } w && w > TimeSpan.Zero ? (w < max ? w : max) : null;
    }
}
