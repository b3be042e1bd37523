using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grump.Hyper.Api.Auth;
using Grump.Hyper.Api.Tests.Infrastructure;

namespace Grump.Hyper.Api.Tests;

public sealed class OperationsTests : IAsyncLifetime
{
    private const string AdminKey = "admin-key-0123456789";
    private readonly HyperApiFactory _factory = new()
    {
        Settings = new Dictionary<string, string?> { ["Auth:AdminKeySha256"] = TenantDirectory.Hash(AdminKey) },
    };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    [Fact]
    public async Task Metrics_are_served_in_prometheus_format_with_jobs_stages_cache_and_uploads()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var response = await JobClient.SubmitAsync(client, Archives.Zip(Archives.ExampleFiles("shop")), "shop.zip", cancellationToken: ct);
        await JobClient.WaitForFinishAsync(client, response.Headers.Location!.ToString(), ct);

        var text = await Grump.Hyper.Testing.Poll.UntilAsync(() => client.GetStringAsync("/metrics", ct), t => t.Contains("grump_jobs_finished", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), t => "no finished-jobs metric:\n" + t, ct, everyMilliseconds: 100);

        Assert.Contains("grump_jobs_submitted", text, StringComparison.Ordinal);
        Assert.Contains("grump_jobs_finished", text, StringComparison.Ordinal);
        Assert.Contains("status=\"succeeded\"", text, StringComparison.Ordinal);
        Assert.Contains("grump_upload_bytes", text, StringComparison.Ordinal);
        Assert.Contains("grump_compile_stage_duration_seconds", text, StringComparison.Ordinal);
        Assert.Contains("grump_cache_requests", text, StringComparison.Ordinal);
        Assert.Contains("grump_queue_depth", text, StringComparison.Ordinal);
        // OpenTelemetry's ASP.NET Core and runtime instrumentation, under the service's own name.
        Assert.Contains("http_server_request_duration_seconds_bucket{", text, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/compile\"", text, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_collections_total", text, StringComparison.Ordinal);
        Assert.Contains("service_name=\"grump-hyper\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_names_the_service_and_compiler()
    {
        var version = await _factory.CreateClient().GetFromJsonAsync<JsonElement>("/version", TestContext.Current.CancellationToken);
        Assert.Equal("grump-hyper", version.GetProperty("name").GetString());
        Assert.Equal(Compiler.CompilerInfo.Version, version.GetProperty("compiler").GetString());
        Assert.Matches("^[0-9a-f]{40}$", version.GetProperty("commit").GetString()); // built from a git checkout
    }

    [Fact]
    public async Task Dashboard_rows_name_the_step_the_job_and_its_label()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var response = await JobClient.SubmitAsync(client, Archives.Zip(Archives.ExampleFiles("shop")), "shop.zip", tier: null, label: "nightly", ct);
        var job = await JobClient.WaitForFinishAsync(client, response.Headers.Location!.ToString(), ct);
        var id = job.GetProperty("id").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hangfire/jobs/succeeded");
        request.Headers.Add("X-Api-Key", AdminKey);
        var page = await (await client.SendAsync(request, ct)).Content.ReadAsStringAsync(ct);
        Assert.Contains($"compile {id} (nightly)", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dashboard_needs_the_admin_key()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/hangfire", ct)).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hangfire");
        request.Headers.Add("X-Api-Key", AdminKey);
        var response = await client.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Hangfire", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }
}
