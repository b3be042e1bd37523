using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grump.Hyper.Api.Tests.Infrastructure;
using Grump.Hyper.Api.Webhooks;

namespace Grump.Hyper.Api.Tests;

/// <summary>Webhooks end to end, to a real receiver on loopback (allowlisted for these tests only).</summary>
public sealed class WebhookTests : IAsyncLifetime
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly string Secret = "whsec_" + Convert.ToBase64String(Key);

    private WebhookReceiver _receiver = null!;
    private HyperApiFactory _factory = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _factory = new HyperApiFactory
        {
            Settings = new Dictionary<string, string?>
            {
                ["Webhooks:SigningSecret"] = Secret,
                ["Webhooks:AllowedHosts:0"] = "127.0.0.1",
                ["Webhooks:BaseDelay"] = "00:00:00.050",
                ["Webhooks:MaxDelay"] = "00:00:00.200",
                ["Webhooks:MaxRetries"] = "4",
            },
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    /// <summary>Verification written here from the Standard Webhooks spec, independent of the service's signer.</summary>
    private static bool Verify(WebhookReceiver.Received request)
    {
        var id = request.Headers["webhook-id"];
        var timestamp = request.Headers["webhook-timestamp"];
        if (Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - long.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture)) > 300)
        {
            return false;
        }

        using var hmac = new HMACSHA256(Key);
        var expected = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(request.Body).ToArray()));
        return request.Headers["webhook-signature"].Split(' ').Any(s => s.StartsWith("v1,", StringComparison.Ordinal) &&
            CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s[3..]), Encoding.ASCII.GetBytes(expected)));
    }

    private async Task<string> SubmitAsync(string url, string events = "job.succeeded", CancellationToken ct = default)
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Archives.Zip(Archives.ExampleFiles("shop"))), "archive", "shop.zip" },
            { new StringContent(url), "callbackUrl" },
            { new StringContent(events), "callbackEvents" },
        };
        var response = await _factory.CreateClient().PostAsync("/compile", form, ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
    }

    private Task<JsonElement> DeliveryAsync(string jobId, Func<JsonElement, bool> done, CancellationToken ct) =>
        DeliveryAsync(_factory.CreateClient(), jobId, done, ct);

    /// <summary>Polls the job's deliveries until the last one satisfies <paramref name="done"/>, with a deadline.</summary>
    private static async Task<JsonElement> DeliveryAsync(HttpClient client, string jobId, Func<JsonElement, bool> done, CancellationToken ct)
    {
        var deliveries = await Grump.Hyper.Testing.Poll.UntilAsync(
            () => client.GetFromJsonAsync<JsonElement>($"/jobs/{jobId}/deliveries", ct),
            all => all.EnumerateArray().LastOrDefault() is { ValueKind: JsonValueKind.Object } last && done(last),
            TimeSpan.FromSeconds(30), all => "The delivery did not finish in time: " + all, ct);
        return deliveries.EnumerateArray().Last();
    }

    private static bool Finished(JsonElement delivery) => delivery.GetProperty("status").GetString() is "succeeded" or "failed";

    [Fact]
    public async Task A_finished_job_posts_a_signed_webhook_that_verifies_by_the_spec()
    {
        var ct = TestContext.Current.CancellationToken;
        var jobId = await SubmitAsync(_receiver.Url, "job.started,job.succeeded", ct);
        var delivery = await DeliveryAsync(jobId, d => d.GetProperty("event").GetString() == "job.succeeded" && Finished(d), ct);

        Assert.Equal("succeeded", delivery.GetProperty("status").GetString());
        var received = _receiver.Requests.ToList();
        Assert.Equal(2, received.Count);
        Assert.All(received, r => Assert.True(Verify(r), "signature does not verify"));
        // Two webhook workers deliver a job's events side by side, so they may arrive in either order
        // (Standard Webhooks promises none; receivers order by timestamp): find each by its type.
        string Type(WebhookReceiver.Received r) => JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString()!;
        Assert.Equal(["job.started", "job.succeeded"], received.Select(Type).Order(StringComparer.Ordinal));
        var succeeded = received.Single(r => Type(r) == "job.succeeded");
        var body = JsonDocument.Parse(succeeded.Body).RootElement;
        Assert.Equal(jobId, body.GetProperty("data").GetProperty("id").GetString());
        Assert.Equal("succeeded", body.GetProperty("data").GetProperty("status").GetString());
        Assert.StartsWith("msg_", succeeded.Headers["webhook-id"], StringComparison.Ordinal);
        Assert.StartsWith("grump-hyper/", succeeded.Headers["user-agent"], StringComparison.Ordinal);
        Assert.True(succeeded.Body.Length < 20_000);
    }

    [Fact]
    public async Task Receivers_waiting_for_their_retries_hold_up_no_other_delivery()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var failing = await WebhookReceiver.StartAsync();
        failing.Script(503, 503, 503, 503, 503, 503, 503, 503);
        await using var factory = new HyperApiFactory
        {
            Settings = new Dictionary<string, string?>
            {
                ["Webhooks:SigningSecret"] = Secret,
                ["Webhooks:AllowedHosts:0"] = "127.0.0.1",
                ["Webhooks:BaseDelay"] = "00:00:20",
                ["Webhooks:MaxDelay"] = "00:01:00",
                ["Webhooks:MaxRetries"] = "3",
            },
        };
        var client = factory.CreateClient();
        async Task<string> Submit(string url)
        {
            using var form = new MultipartFormDataContent
            {
                { new ByteArrayContent(Archives.Zip(Archives.ExampleFiles("shop"))), "archive", "shop.zip" },
                { new StringContent(url), "callbackUrl" },
            };
            var response = await client.PostAsync("/compile", form, ct);
            return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
        }

        // Three deliveries to a receiver that answers 503: each has its first attempt, and its retry waits
        // at least 10 s (20 s with jitter down to half). The service has two webhook workers.
        var waiting = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            waiting.Add(await Submit(failing.Url));
        }

        foreach (var id in waiting)
        {
            await DeliveryAsync(client, id, d => d.GetProperty("status").GetString() == "pending", ct);
        }

        var healthy = await Submit(_receiver.Url);
        var delivered = await DeliveryAsync(client, healthy, Finished, ct);

        Assert.Equal("succeeded", delivered.GetProperty("status").GetString());
        foreach (var id in waiting)
        {
            // Still on their first attempt: had a retry slept in a worker, the healthy delivery would have waited for it.
            var pending = (await client.GetFromJsonAsync<JsonElement>($"/jobs/{id}/deliveries", ct)).EnumerateArray().Single();
            Assert.Equal("pending", pending.GetProperty("status").GetString());
            Assert.Equal(1, pending.GetProperty("attempts").GetArrayLength());
        }
    }

    [Fact]
    public async Task A_receiver_that_fails_twice_then_succeeds_gets_three_attempts_with_one_webhook_id()
    {
        var ct = TestContext.Current.CancellationToken;
        _receiver.Script(500, 503);
        var jobId = await SubmitAsync(_receiver.Url, ct: ct);
        var delivery = await DeliveryAsync(jobId, Finished, ct);

        Assert.Equal("succeeded", delivery.GetProperty("status").GetString());
        Assert.Equal([500, 503, 200], delivery.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("statusCode").GetInt32()));
        var received = _receiver.Requests.ToList();
        Assert.Equal(3, received.Count);
        Assert.Single(received.Select(r => r.Headers["webhook-id"]).Distinct());
        Assert.All(received, r => Assert.True(Verify(r)));
    }

    [Fact]
    public async Task A_client_error_other_than_408_or_429_is_not_retried_and_can_be_redelivered()
    {
        var ct = TestContext.Current.CancellationToken;
        _receiver.Script(400);
        var jobId = await SubmitAsync(_receiver.Url, ct: ct);
        var delivery = await DeliveryAsync(jobId, Finished, ct);

        Assert.Equal("failed", delivery.GetProperty("status").GetString());
        Assert.Equal(1, delivery.GetProperty("attempts").GetArrayLength());
        Assert.Single(_receiver.Requests);

        var redeliver = await _factory.CreateClient().PostAsync($"/jobs/{jobId}/deliveries/{delivery.GetProperty("id").GetString()}/redeliver", null, ct);
        Assert.Equal(HttpStatusCode.Accepted, redeliver.StatusCode);
        var again = await DeliveryAsync(jobId, d => d.GetProperty("attempts").GetArrayLength() == 2 && Finished(d), ct);
        Assert.Equal("succeeded", again.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Too_many_requests_is_retried_after_the_receivers_retry_after()
    {
        var ct = TestContext.Current.CancellationToken;
        _receiver.Script(429);
        var jobId = await SubmitAsync(_receiver.Url, ct: ct);
        var delivery = await DeliveryAsync(jobId, Finished, ct);
        Assert.Equal("succeeded", delivery.GetProperty("status").GetString());
        var times = _receiver.Requests.Select(r => r.At).ToList();
        Assert.Equal(2, times.Count);
        // Retry-After: 1 is capped by MaxDelay (200 ms) here; the gap is at least that cap.
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(150), $"gap {times[1] - times[0]}");
    }

    [Theory]
    [InlineData("http://127.0.0.1:{0}/hook")]
    [InlineData("http://[::1]:{0}/hook")]
    [InlineData("http://127.0.0.2:{0}/hook")]
    [InlineData("http://[::127.0.0.1]:{0}/hook")]
    [InlineData("http://[::ffff:0:7f00:1]:{0}/hook")]
    [InlineData("http://[64:ff9b:1::7f00:1]:{0}/hook")]
    public async Task A_callback_to_a_blocked_address_literal_is_refused_at_submit_and_nothing_is_stored(string template)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var strict = new HyperApiFactory { Settings = new Dictionary<string, string?> { ["Webhooks:SigningSecret"] = Secret } };
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Archives.Zip(Archives.ExampleFiles("shop"))), "archive", "shop.zip" },
            { new StringContent(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, new Uri(_receiver.Url).Port)), "callbackUrl" },
        };
        var client = strict.CreateClient();
        var response = await client.PostAsync("/compile", form, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("urn:grump-hyper:problem:callback-address-blocked", (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("type").GetString());
        Assert.Empty(strict.StoredFiles());
        Assert.Empty(_receiver.Requests);
    }

    [Theory]
    [InlineData("http://localhost:{0}/hook")]
    public async Task A_loopback_receiver_that_is_not_allowlisted_receives_nothing(string template)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var strict = new HyperApiFactory
        {
            Settings = new Dictionary<string, string?> { ["Webhooks:SigningSecret"] = Secret, ["Webhooks:BaseDelay"] = "00:00:00.010" },
        };
        var port = new Uri(_receiver.Url).Port;
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Archives.Zip(Archives.ExampleFiles("shop"))), "archive", "shop.zip" },
            { new StringContent(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, port)), "callbackUrl" },
        };
        var client = strict.CreateClient();
        var response = await client.PostAsync("/compile", form, ct);
        var jobId = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
        var delivery = await DeliveryAsync(client, jobId, Finished, ct);

        Assert.Equal("failed", delivery.GetProperty("status").GetString());
        var attempt = Assert.Single(delivery.GetProperty("attempts").EnumerateArray());
        Assert.StartsWith("blocked:", attempt.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(_receiver.Requests);
    }

    [Fact]
    public async Task A_callback_without_a_signing_secret_is_refused_up_front()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var unsigned = new HyperApiFactory();
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Archives.Zip(Archives.ExampleFiles("shop"))), "archive", "shop.zip" },
            { new StringContent(_receiver.Url), "callbackUrl" },
        };
        var response = await unsigned.CreateClient().PostAsync("/compile", form, ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("webhook-secret-missing", (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("code").GetString());
    }
}

/// <summary>The SSRF address check itself: no traffic is sent, names resolve through a test resolver.</summary>
public sealed class WebhookAddressGuardTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.9")]
    [InlineData("10.0.0.1")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.254")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fd00::1")]
    [InlineData("fd00:ec2::254")]
    [InlineData("fe80::1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("2002:a00:1::")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::127.0.0.1")] // IPv4-compatible
    [InlineData("::a9fe:a9fe")]
    [InlineData("::ffff:0:7f00:1")] // IPv4-translated (SIIT)
    [InlineData("::ffff:0:a00:1")]
    [InlineData("64:ff9b:1::8.8.8.8")] // local-use NAT64: internal whatever it embeds
    [InlineData("64:ff9b:1::7f00:1")]
    public void Internal_addresses_are_refused(string address) => Assert.True(WebhookAddressGuard.IsInternal(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("172.32.0.1")]
    [InlineData("64:ff9b::808:808")] // well-known NAT64 of 8.8.8.8
    public void Public_addresses_pass(string address) => Assert.False(WebhookAddressGuard.IsInternal(IPAddress.Parse(address)));

    [Theory]
    [InlineData("internal.example", "10.0.0.1")]
    [InlineData("metadata.example", "169.254.169.254")]
    [InlineData("router.example", "192.168.1.1")]
    [InlineData("corp.example", "172.16.0.1")]
    [InlineData("v6.example", "fd00::1")]
    [InlineData("mixed.example", "93.184.216.34,10.0.0.1")]
    public async Task Names_that_resolve_to_internal_addresses_are_refused(string host, string addresses)
    {
        var guard = new WebhookAddressGuard([], (_, _) => Task.FromResult(addresses.Split(',').Select(IPAddress.Parse).ToArray()));
        await Assert.ThrowsAsync<WebhookBlockedException>(() => guard.ResolveAsync(host, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_allowlist_opens_exactly_what_it_names()
    {
        var resolver = (string host, CancellationToken _) => Task.FromResult(new[] { IPAddress.Parse(host == "hooks.internal" ? "10.1.2.3" : "10.9.9.9") });
        var guard = new WebhookAddressGuard(["hooks.internal", "192.168.0.0/16"], resolver);
        Assert.Single(await guard.ResolveAsync("hooks.internal", TestContext.Current.CancellationToken));
        Assert.Single(await guard.ResolveAsync("192.168.4.4", TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<WebhookBlockedException>(() => guard.ResolveAsync("other.internal", TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<WebhookBlockedException>(() => guard.ResolveAsync("10.0.0.1", TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Signatures_follow_the_standard_webhooks_example_shape()
    {
        Assert.True(WebhookSigner.TryDecodeSecret("whsec_" + Convert.ToBase64String(new byte[32]), out var key));
        var signature = WebhookSigner.Sign(key, "msg_1", 1_700_000_000, "{}"u8);
        Assert.Matches("^v1,[A-Za-z0-9+/]{43}=$", signature);
        Assert.False(WebhookSigner.TryDecodeSecret("whsec_" + Convert.ToBase64String(new byte[8]), out _));
        Assert.False(WebhookSigner.TryDecodeSecret("secret", out _));
    }
}
