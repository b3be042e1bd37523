using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Grump.Hyper.Api.Jobs;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Api.Tests.Infrastructure;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;

namespace Grump.Hyper.Api.Tests;

/// <summary>
/// Every accepted job ends succeeded, failed or cancelled, whatever dies; a refused submission leaves
/// nothing behind; bad input gets a clear problem. Real processes, real Redis, loopback only.
/// </summary>
public sealed class ReliabilityTests(RedisFixture redis)
{
    private static byte[] Shop() => Archives.TarGz(Archives.ExampleFiles("shop"));

    private static async Task<string> SubmitAsync(HttpClient client, byte[] archive, CancellationToken ct, string tier = "conservative")
    {
        var response = await JobClient.SubmitAsync(client, archive, "p.tar.gz", tier, ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
    }

    private static async Task<string> StatusAsync(HttpClient client, string id, CancellationToken ct) =>
        (await client.GetFromJsonAsync<JsonElement>($"/jobs/{id}", ct)).GetProperty("status").GetString()!;

    [Fact]
    public async Task The_readme_first_command_starts_the_service_in_Development_and_it_compiles()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var api = await HyperProcess.StartLikeReadmeAsync(new Dictionary<string, string> { ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information" });
        using var client = new HttpClient { BaseAddress = api.Address };
        var id = await SubmitAsync(client, Shop(), ct, "aggressive");
        var job = await JobClient.WaitForFinishAsync(client, $"/jobs/{id}", ct);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Contains("Development", api.RecentOutput, StringComparison.Ordinal); // "Hosting environment: Development"
    }

    /// <summary>A project big enough that a fresh process is still compiling it when it is killed.</summary>
    private static byte[] Big() => Archives.TarGz(ProjectGenerator.Generate(3000, seed: 11));

    /// <summary>Submits the big project, kills the service while it compiles, starts another on the same storage; the job's end.</summary>
    private static async Task<JsonElement> KillMidJobAndRestartAsync(IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        string id;
        await using (var first = await HyperProcess.StartApiAsync(settings))
        {
            using var client = new HttpClient { BaseAddress = first.Address };
            id = await SubmitAsync(client, Big(), ct);
            await KillWhileRunningAsync(first, client, id, ct);
        }

        await using var second = await HyperProcess.StartApiAsync(settings);
        using var again = new HttpClient { BaseAddress = second.Address };
        return await JobClient.WaitForFinishAsync(again, $"/jobs/{id}", ct, TimeSpan.FromSeconds(120));
    }

    private static async Task KillWhileRunningAsync(HyperProcess api, HttpClient client, string id, CancellationToken ct)
    {
        await Grump.Hyper.Testing.Poll.UntilAsync(async () => await StatusAsync(client, id, ct) == "running", TimeSpan.FromSeconds(60), () => "the job never started", ct, everyMilliseconds: 5);

        await api.KillAsync();
    }

    [Fact]
    public async Task A_service_killed_mid_job_on_the_data_folder_store_finishes_the_job_after_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        var data = Directory.CreateTempSubdirectory("grump-restart-").FullName;
        try
        {
            var settings = new Dictionary<string, string> { ["Hyper__DataPath"] = data, ["Hyper__Watchdog__LostAfter"] = "00:00:01", ["Hyper__WorkerCount"] = "1" };
            var job = await KillMidJobAndRestartAsync(settings, ct);
            Assert.Equal("succeeded", job.GetProperty("status").GetString());
            var id = job.GetProperty("id").GetString()!;
            var record = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(data, "jobs", id + ".json"), ct)).RootElement;
            Assert.Equal(1, record.GetProperty("recoveries").GetInt32()); // the watchdog queued it again, once
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(data, "active")));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_service_killed_mid_job_on_redis_finishes_the_job_after_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Hangfire"] = redis.NewDatabase(),
            ["Hyper__Distributed__InvisibilityTimeout"] = "00:00:03",
            ["Hyper__WorkerCount"] = "1",
        };
        var job = await KillMidJobAndRestartAsync(settings, ct);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_permanent_storage_error_fails_the_job_with_a_reason_instead_of_leaving_it_running()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = new HyperApiFactory { ConfigureServices = s => FaultyStore.Install(s, f => f.ArtifactWritesFail = true) };
        var client = factory.CreateClient();
        var id = await SubmitAsync(client, Shop(), ct);
        var job = await JobClient.WaitForFinishAsync(client, $"/jobs/{id}", ct);
        Assert.Equal("failed", job.GetProperty("status").GetString());
        var reason = job.GetProperty("failureReason").GetString()!;
        Assert.Contains("could not write its storage", reason, StringComparison.Ordinal);
        Assert.DoesNotContain(factory.DataPath, reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Module_ids_that_would_be_a_file_and_a_folder_of_each_other_are_both_stored()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = new HyperApiFactory();
        var client = factory.CreateClient();
        var archive = Archives.Zip([("p/a.intent", Archives.Text("---\nid: foo\n---\nBuild a cart.")), ("p/b.intent", Archives.Text("---\nid: foo.json/bar\n---\nBuild a blog."))]);
        var id = await SubmitAsync(client, archive, ct);
        var job = await JobClient.WaitForFinishAsync(client, $"/jobs/{id}", ct);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        var foo = await client.GetFromJsonAsync<JsonElement>($"/jobs/{id}/artifacts/modules/foo.json", ct);
        var bar = await client.GetFromJsonAsync<JsonElement>($"/jobs/{id}/artifacts/modules/foo.json/bar.json", ct);
        Assert.Equal("foo", foo.GetProperty("id").GetString());
        Assert.Equal("foo.json/bar", bar.GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("\"big\"")]
    [InlineData("true")]
    [InlineData("null")]
    public async Task A_grump_json_value_of_the_wrong_type_is_a_diagnostic_of_the_job_not_a_500(string value)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = new HyperApiFactory();
        var client = factory.CreateClient();
        var archive = Archives.Zip([("p/grump.json", Archives.Text("{ \"split\": { \"minChunkBytes\": " + value + " } }")), ("p/a.intent", Archives.Text("Build a cart."))]);
        var id = await SubmitAsync(client, archive, ct);
        var job = await JobClient.WaitForFinishAsync(client, $"/jobs/{id}", ct);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.False(job.GetProperty("success").GetBoolean());
        var diagnostics = await client.GetFromJsonAsync<JsonElement>($"/jobs/{id}/artifacts/diagnostics.json", ct);
        Assert.Contains("GH1021", diagnostics.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_watchdog_requeues_lost_work_a_bounded_number_of_times_and_fails_what_hangfire_failed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = new HyperApiFactory { Settings = new Dictionary<string, string?> { ["Hyper:Watchdog:Interval"] = "01:00:00", ["Hyper:Watchdog:LostAfter"] = "00:00:00" } };
        var client = factory.CreateClient();
        var store = factory.Services.GetRequiredService<DataFolderStore>();
        var watchdog = factory.Services.GetRequiredService<JobWatchdog>();
        var hangfire = factory.Services.GetRequiredService<IBackgroundJobClient>();

        // Lost: a record whose Hangfire work no longer exists (as after a restart of in-memory Hangfire).
        var files = Archives.ExampleFiles("shop").Select(f => new Grump.Hyper.Compiler.Modules.SourceFile(f.Path, f.Content)).ToList();
        await store.PutSourcesAsync(files, ct);
        JobRecord Record(string id, int recoveries) => new()
        {
            Id = id, Status = JobStatus.Running, Tier = "conservative", CreatedAt = DateTimeOffset.UtcNow.AddMinutes(-1), StartedAt = DateTimeOffset.UtcNow,
            HangfireJobId = Guid.NewGuid().ToString(), Recoveries = recoveries,
        };
        var inputs = Grump.Hyper.Compiler.Project.ProjectManifest.Of(Grump.Hyper.Compiler.Project.ProjectLoader.Select(files));
        await store.CreateAsync(Record("aaaa0001", 0), inputs, ct);
        await store.CreateAsync(Record("aaaa0002", 3), inputs, ct);

        // Failed: Hangfire gave up on the work (its retries ran out) while the record still says running.
        // Written as Hangfire writes the end of its retries (a state change through the filters would retry it again).
        var failedWork = hangfire.Create<CompileJob>(j => j.RunAsync("aaaa0003", null, CancellationToken.None), new ScheduledState(TimeSpan.FromDays(1)));
        using (var connection = factory.Services.GetRequiredService<JobStorage>().GetConnection())
        using (var transaction = connection.CreateWriteTransaction())
        {
            transaction.SetJobState(failedWork, new FailedState(new InvalidOperationException("the sky fell")));
            transaction.Commit();
        }

        await store.CreateAsync(Record("aaaa0003", 0) with { HangfireJobId = failedWork }, inputs, ct);

        var report = await watchdog.SweepAsync(ct);
        Assert.Equal(1, report.Requeued);
        Assert.Equal(2, report.Failed);

        var recovered = await JobClient.WaitForFinishAsync(client, "/jobs/aaaa0001", ct);
        Assert.Equal("succeeded", recovered.GetProperty("status").GetString());
        var exhausted = await client.GetFromJsonAsync<JsonElement>("/jobs/aaaa0002", ct);
        Assert.Equal("failed", exhausted.GetProperty("status").GetString());
        Assert.Contains("stopped 4 times", exhausted.GetProperty("failureReason").GetString(), StringComparison.Ordinal);
        var failed = await client.GetFromJsonAsync<JsonElement>("/jobs/aaaa0003", ct);
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains("the sky fell", failed.GetProperty("failureReason").GetString(), StringComparison.Ordinal);

        // Nothing is left unfinished, so a second sweep has nothing to do.
        Assert.Equal(new JobWatchdog.SweepReport(0, 0, 0), await watchdog.SweepAsync(ct));
    }

    [Fact]
    public async Task A_job_older_than_the_longest_allowed_fails_with_the_limit_in_its_reason()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = new HyperApiFactory { Settings = new Dictionary<string, string?> { ["Hyper:Watchdog:Interval"] = "01:00:00", ["Hyper:Watchdog:MaxJobDuration"] = "00:10:00" } };
        var client = factory.CreateClient();
        var store = factory.Services.GetRequiredService<DataFolderStore>();
        await store.CreateAsync(new JobRecord { Id = "bbbb0001", Status = JobStatus.Queued, Tier = "balanced", CreatedAt = DateTimeOffset.UtcNow.AddHours(-1) }, Grump.Hyper.Compiler.Project.ProjectManifest.Of(Grump.Hyper.Compiler.Project.ProjectLoader.Select([])), ct);
        Assert.Equal(1, (await factory.Services.GetRequiredService<JobWatchdog>().SweepAsync(ct)).Failed);
        var job = await client.GetFromJsonAsync<JsonElement>("/jobs/bbbb0001", ct);
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains("00:10:00", job.GetProperty("failureReason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_submit_that_fails_after_claiming_its_idempotency_key_releases_it_for_the_retry()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = new HyperApiFactory { ConfigureServices = s => FaultyStore.Install(s, f => f.FailingSourceWrites = 1) };
        var client = factory.CreateClient();
        var archive = Shop(); // one body: a tar records times, so each build of it differs
        async Task<HttpResponseMessage> Post()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/compile") { Content = new ByteArrayContent(archive) };
            request.Content.Headers.ContentType = new("application/gzip");
            request.Headers.Add("Idempotency-Key", "retry-me");
            return await client.SendAsync(request, ct);
        }

        var refused = await Post();
        Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, await refused.Content.ReadAsStringAsync(ct));
        Assert.Equal("urn:grump-hyper:problem:storage-unavailable", (await refused.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("type").GetString());
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>("/jobs", ct)).GetProperty("items").EnumerateArray());

        var accepted = await Post();
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync(ct));
        var replay = await Post();
        Assert.True(replay.IsSuccessStatusCode, await replay.Content.ReadAsStringAsync(ct));
        Assert.Equal((await accepted.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString(),
            (await replay.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_data_folder_that_cannot_be_written_answers_503_and_readyz_says_so_until_it_can()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = new HyperApiFactory();
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz", ct)).StatusCode);

        // A file where the store's folder of temporary files should be: every atomic write fails, even as root.
        var tmp = Path.Combine(factory.DataPath, "tmp");
        Directory.Delete(tmp, recursive: true);
        await File.WriteAllTextAsync(tmp, "not a folder", ct);

        var response = await JobClient.SubmitAsync(client, Shop(), "p.tar.gz", cancellationToken: ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("urn:grump-hyper:problem:storage-unavailable", (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("type").GetString());
        var ready = await client.GetAsync("/readyz", ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("degraded", (await ready.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("status").GetString());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(factory.DataPath, "jobs")));

        File.Delete(tmp);
        Directory.CreateDirectory(tmp);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await JobClient.SubmitAsync(client, Shop(), "p.tar.gz", cancellationToken: ct)).StatusCode);
    }

    [Fact]
    public async Task A_request_body_that_arrives_too_slowly_gets_408()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var api = await HyperProcess.StartApiAsync(new Dictionary<string, string> { ["Hyper__UploadGracePeriod"] = "00:00:02" });
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, api.Address!.Port, ct);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /compile HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/zip\r\nContent-Length: 100000\r\n\r\nPK"), ct);

        // One byte a second is under the 240 B/s minimum; Kestrel stops the body after the grace period.
        var reply = new StringBuilder();
        var buffer = new byte[4096];
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!reply.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            try
            {
                await stream.WriteAsync("x"u8.ToArray(), ct);
            }
            catch (IOException)
            {
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                var n = await stream.ReadAsync(buffer, wait.Token);
                if (n == 0)
                {
                    break;
                }

                reply.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
        }

        Assert.StartsWith("HTTP/1.1 408", reply.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("W/{0}")]
    [InlineData("\"other\", {0}")]
    [InlineData("*")]
    public async Task If_none_match_answers_304_for_weak_tags_lists_and_star(string template)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = new HyperApiFactory();
        var client = factory.CreateClient();
        var id = await SubmitAsync(client, Shop(), ct);
        await JobClient.WaitForFinishAsync(client, $"/jobs/{id}", ct);
        var first = await client.GetAsync($"/jobs/{id}", ct);
        var etag = first.Headers.ETag!.ToString();

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{id}");
        request.Headers.TryAddWithoutValidation("If-None-Match", string.Format(System.Globalization.CultureInfo.InvariantCulture, template, etag));
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(request, ct)).StatusCode);

        using var other = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{id}");
        other.Headers.TryAddWithoutValidation("If-None-Match", "W/\"other\"");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(other, ct)).StatusCode);
    }

    [Fact]
    public async Task A_failed_webhook_is_logged_without_its_callback_host()
    {
        var ct = TestContext.Current.CancellationToken;
        var closedPort = RedisServer.FreePort(); // nothing listens there
        await using var api = await HyperProcess.StartApiAsync(new Dictionary<string, string>
        {
            ["Webhooks__SigningSecret"] = "whsec_" + Convert.ToBase64String(new byte[32]),
            ["Webhooks__AllowedHosts__0"] = "127.0.0.9",
            ["Webhooks__MaxRetries"] = "1",
            ["Webhooks__BaseDelay"] = "00:00:00.010",
        });
        using var client = new HttpClient { BaseAddress = api.Address };
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Shop()), "archive", "shop.tgz" },
            { new StringContent($"http://127.0.0.9:{closedPort}/secret-token-path"), "callbackUrl" },
        };
        var id = (await (await client.PostAsync("/compile", form, ct)).Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
        var delivery = await Grump.Hyper.Testing.Poll.UntilAsync(
            async () => (await client.GetFromJsonAsync<JsonElement>($"/jobs/{id}/deliveries", ct)).EnumerateArray().FirstOrDefault(),
            d => d.ValueKind == JsonValueKind.Object && d.GetProperty("status").GetString() == "failed",
            TimeSpan.FromSeconds(60), _ => "the delivery never ended", ct, everyMilliseconds: 100);

        Assert.Equal(2, delivery.GetProperty("attempts").GetArrayLength()); // the first and one scheduled retry
        await Grump.Hyper.Testing.Poll.UntilAsync(() => api.RecentOutput.Contains("failed after 2 attempts", StringComparison.Ordinal), TimeSpan.FromSeconds(10), () => "no log line:\n" + api.RecentOutput, ct);
        Assert.Contains("failed after 2 attempts", api.RecentOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.9", api.RecentOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token-path", api.RecentOutput, StringComparison.Ordinal);
    }
}
