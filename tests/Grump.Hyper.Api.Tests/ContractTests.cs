using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Grump.Hyper.Api.Endpoints;
using Grump.Hyper.Api.Tests.Infrastructure;

namespace Grump.Hyper.Api.Tests;

/// <summary>
/// The HTTP contract is the Api's own types: what the service sends reads strictly into them (no member
/// the contract does not declare), so a field added inside the compiler or engine cannot reach clients
/// without being added to the contract (and so to openapi.yaml) on purpose.
/// </summary>
public sealed class ContractTests
{
    private static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    [Fact]
    public async Task The_result_document_and_the_job_view_read_strictly_into_the_contract_types()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = new HyperApiFactory();
        var client = factory.CreateClient();
        var response = await JobClient.SubmitAsync(client, Archives.TarGz(Archives.ExampleFiles("shop")), "shop.tar.gz", "aggressive", ct);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
        await JobClient.WaitForFinishAsync(client, $"/jobs/{id}", ct);

        var result = JsonSerializer.Deserialize<JobResult>(await client.GetByteArrayAsync($"/jobs/{id}/result", ct), Strict)!;
        Assert.Equal(id, result.Id);
        Assert.True(result.Success);
        Assert.Equal(result.Manifest.Modules.Length, result.Modules.Count);
        Assert.NotEmpty(result.Plan.Tasks);
        Assert.All(result.Modules, m => Assert.NotEmpty(m.Sha256));

        var view = JsonSerializer.Deserialize<JobView>(await client.GetByteArrayAsync($"/jobs/{id}", ct), Strict)!;
        Assert.Equal("succeeded", view.Status);
        Assert.NotNull(view.Metrics);
        Assert.Contains(view.Metrics!.Steps, s => s.Stage == "emit");
    }
}
