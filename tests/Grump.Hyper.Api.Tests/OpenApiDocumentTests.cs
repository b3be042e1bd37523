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

    /// <summary>The C# clients (NSwag, Kiota) are what the generators make of openapi.yaml today, generated afresh into a folder of the test's own.</summary>
    [Fact]
    public async Task The_checked_in_csharp_clients_are_generated_from_the_current_document()
    {
        using var fresh = new TempFolder("grump-clients-");
        var run = await ToolRun.RunAsync("bash", [Repository.File("scripts", "generate-client.sh"), fresh.Path], TimeSpan.FromMinutes(4), TestContext.Current.CancellationToken);
        Assert.True(run.ExitCode == 0, run.All);
        var stale = new List<string>();
        foreach (var generated in Directory.EnumerateFiles(fresh.Path, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(fresh.Path, generated);
            var checkedIn = Repository.File(relative);
            if (!File.Exists(checkedIn) || File.ReadAllText(checkedIn) != File.ReadAllText(generated))
            {
                stale.Add(relative);
            }
        }

        var kiota = Repository.File("tests", "Grump.Hyper.Client.Kiota", "Generated");
        stale.AddRange(Directory.EnumerateFiles(kiota, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repository.Root, f))
            .Where(f => !File.Exists(Path.Combine(fresh.Path, f))));
        Assert.True(stale.Count == 0, "regenerate the clients with scripts/generate-client.sh; stale or extra: " + string.Join(", ", stale.Take(10)));
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
