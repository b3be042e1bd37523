using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Grump.Hyper.Api.Auth;
using Grump.Hyper.Api.Tests.Infrastructure;

namespace Grump.Hyper.Api.Tests;

/// <summary>Keys map to tenants; a tenant sees only its own jobs, artifacts and deliveries.</summary>
public sealed class TenantTests : IAsyncLifetime
{
    private const string KeyA = "key-of-tenant-a-0123456789";
    private const string KeyB = "key-of-tenant-b-0123456789";

    private readonly HyperApiFactory _factory = new()
    {
        Settings = new Dictionary<string, string?>
        {
            ["Auth:Tenants:a:ApiKeySha256:0"] = TenantDirectory.Hash(KeyA),
            ["Auth:Tenants:b:ApiKeySha256:0"] = TenantDirectory.Hash(KeyB),
        },
    };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private HttpClient Client(string? bearer = null, string? header = null)
    {
        var client = _factory.CreateClient();
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (header is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", header);
        }

        return client;
    }

    [Fact]
    public async Task No_key_or_a_wrong_key_is_401_everywhere()
    {
        var ct = TestContext.Current.CancellationToken;
        foreach (var client in new[] { Client(), Client(bearer: "wrong"), Client(header: "wrong") })
        {
            var submit = await JobClient.SubmitAsync(client, Archives.Zip(Archives.ExampleFiles("shop")), "shop.zip", cancellationToken: ct);
            Assert.Equal(HttpStatusCode.Unauthorized, submit.StatusCode);
            Assert.Equal("unauthorized", (await submit.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("code").GetString());
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/jobs", ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/jobs/0123456789abcdef0123456789abcdef", ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await Client().GetAsync("/healthz", ct)).StatusCode);
        Assert.Empty(_factory.StoredFiles());
    }

    [Fact]
    public async Task Tenant_b_cannot_see_download_cancel_or_list_tenant_a_jobs()
    {
        var ct = TestContext.Current.CancellationToken;
        var a = Client(bearer: KeyA);
        var b = Client(header: KeyB);
        var response = await JobClient.SubmitAsync(a, Archives.Zip(Archives.ExampleFiles("shop")), "shop.zip", cancellationToken: ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await JobClient.WaitForFinishAsync(a, response.Headers.Location!.ToString(), ct);
        var id = job.GetProperty("id").GetString();

        foreach (var path in new[] { $"/jobs/{id}", $"/jobs/{id}/result", $"/jobs/{id}/artifacts", $"/jobs/{id}/artifacts/manifest.json", $"/jobs/{id}/artifacts.zip", $"/jobs/{id}/deliveries" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync(path, ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await a.GetAsync(path, ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await b.DeleteAsync($"/jobs/{id}", ct)).StatusCode);
        var listB = await b.GetFromJsonAsync<JsonElement>("/jobs", ct);
        Assert.Equal(0, listB.GetProperty("items").GetArrayLength());
        var listA = await a.GetFromJsonAsync<JsonElement>("/jobs", ct);
        Assert.Contains(listA.GetProperty("items").EnumerateArray(), j => j.GetProperty("id").GetString() == id);
    }
}
