using Grump.Hyper.Api.Tests.Infrastructure;

namespace Grump.Hyper.Api.Tests;

/// <summary>openapi.yaml in the repository is exactly what the service serves.</summary>
public sealed class OpenApiDocumentTests(HyperApiFactory factory) : IClassFixture<HyperApiFactory>
{
    [Fact]
    public async Task The_checked_in_openapi_yaml_equals_the_served_document()
    {
        var ct = TestContext.Current.CancellationToken;
        var served = (await factory.CreateClient().GetStringAsync("/openapi/v1.yaml", ct)).ReplaceLineEndings("\n");
        var path = Repository.File("openapi.yaml");
        if (Environment.GetEnvironmentVariable("GRUMP_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(path, served, ct);
        }

        var checkedIn = File.Exists(path) ? (await File.ReadAllTextAsync(path, ct)).ReplaceLineEndings("\n") : string.Empty;
        Assert.True(served == checkedIn,
            "openapi.yaml differs from the served /openapi/v1.yaml. Regenerate it with: GRUMP_UPDATE_OPENAPI=1 dotnet test --project tests/Grump.Hyper.Api.Tests");
    }

    [Fact]
    public async Task Swagger_ui_and_the_json_document_are_served()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = factory.CreateClient();
        var json = await client.GetStringAsync("/openapi/v1.json", ct);
        Assert.Contains("\"/compile\"", json, StringComparison.Ordinal);
        var ui = await client.GetAsync("/swagger/index.html", ct);
        Assert.True(ui.IsSuccessStatusCode);
    }
}
