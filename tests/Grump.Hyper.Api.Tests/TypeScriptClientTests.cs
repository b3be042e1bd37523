using Grump.Hyper.Api.Tests.Infrastructure;

namespace Grump.Hyper.Api.Tests;

/// <summary>
/// The flow through openapi-typescript's types and openapi-fetch (tests/Grump.Hyper.Client.TypeScript): the
/// checked-in types are what openapi-typescript makes of openapi.yaml today, <c>tsc</c> type-checks the flow
/// against them, and node runs it against the service as a process of its own. The packages come from
/// <c>npm ci</c> in scripts/test.sh.
/// </summary>
public sealed class TypeScriptClientTests() : ServiceProcessTests("grump-typescript-")
{
    private static readonly string Folder = Repository.File("tests", "Grump.Hyper.Client.TypeScript");

    private static Task<ToolResult> Npx(params string[] arguments) =>
        ToolRun.RunAsync("npx", ["--no-install", .. arguments], TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken, Folder);

    [Fact]
    public async Task The_typescript_flow_type_checks_against_the_generated_types_and_runs()
    {
        Assert.True(Directory.Exists(Path.Combine(Folder, "node_modules", "openapi-fetch")),
            $"{Folder} has no node_modules: run `npm ci` there (scripts/test.sh does)");

        var types = Path.Combine(Temp.Path, "schema.d.ts");
        var generated = await Npx("openapi-typescript", Repository.File("openapi.yaml"), "-o", types);
        Assert.True(generated.ExitCode == 0, generated.All);
        Assert.True(File.ReadAllText(types) == File.ReadAllText(Path.Combine(Folder, "schema.d.ts")),
            "schema.d.ts is not what openapi-typescript makes of openapi.yaml: run `npm run generate` in tests/Grump.Hyper.Client.TypeScript");

        var compiled = await Npx("tsc", "-p", ".");
        Assert.True(compiled.ExitCode == 0, compiled.All);

        var archive = Path.Combine(Temp.Path, "shop.tar.gz");
        await File.WriteAllBytesAsync(archive, Archives.TarGz(Archives.ExampleFiles("shop")), TestContext.Current.CancellationToken);
        var flow = await ToolRun.RunAsync("node", [Path.Combine("dist", "flow.js"), Api.Address!.ToString().TrimEnd('/'), archive],
            TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken, Folder);
        Assert.True(flow.ExitCode == 0, flow.All + "\n" + Api.RecentOutput);
        Assert.Contains("ok: POST /compile answers 202 with a queued job", flow.Output, StringComparison.Ordinal);
        Assert.Contains("ok: POST /compile/manifest with Prefer: wait answers the finished job", flow.Output, StringComparison.Ordinal);
        Assert.EndsWith("typescript flow passed", flow.Output.TrimEnd(), StringComparison.Ordinal);
    }
}
