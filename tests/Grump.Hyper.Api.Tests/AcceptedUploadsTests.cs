using System.Net.Http.Json;
using System.Text.Json;
using Grump.Hyper.Api.Endpoints;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Grump.Hyper.Api.Tests;

/// <summary>
/// An archive accepted before is taken from its manifest, not read again, on both stores, and only while the store
/// still holds its inputs; what it builds is what reading it builds.
/// </summary>
public sealed class AcceptedUploadsTests(RedisFixture redis)
{
    private static async Task<(string Id, string[] Artifacts)> BuildAsync(HttpClient client, byte[] archive, string tier, CancellationToken ct)
    {
        var (id, artifacts) = await JobClient.BuildAsync(client, archive, tier, ct);
        return (id, [.. JobClient.Deterministic(artifacts)]);
    }

    [Fact]
    public async Task The_same_archive_again_is_taken_from_its_manifest_on_both_stores_and_builds_the_same_artifacts()
    {
        var ct = TestContext.Current.CancellationToken;
        var archive = Archives.TarGz(Archives.ExampleFiles("shop"));
        await using var files = new HyperApiFactory();
        await using var onRedis = new HyperApiFactory { Redis = redis.NewDatabase() };
        foreach (var factory in new[] { files, onRedis })
        {
            var client = factory.CreateClient();
            var uploads = factory.Services.GetRequiredService<AcceptedUploads>();
            var records = factory.Services.GetRequiredService<IJobRecords>();
            var (first, built) = await BuildAsync(client, archive, "aggressive", ct);
            Assert.Equal(0, uploads.Remembered); // read the first time

            // Another tier: the manifest does not depend on the options, only on the bytes.
            var (second, again) = await BuildAsync(client, archive, "balanced", ct);
            Assert.Equal(1, uploads.Remembered);
            var exported = await Grump.Hyper.Testing.Poll.UntilAsync(() => client.GetStringAsync("/metrics", ct), t => t.Contains("grump_uploads_remembered", StringComparison.Ordinal),
                TimeSpan.FromSeconds(20), t => "no remembered-uploads metric:\n" + t, ct, everyMilliseconds: 100);
            // Counted and exported. At least this upload: OpenTelemetry's listener takes every meter of the service's name in
            // the process, so hosts of other test classes running alongside in this process can add theirs (seen once in a
            // full run); the exact count is the one asserted above.
            Assert.Matches(@"grump_uploads_remembered_total(\{[^}]*\})? [1-9][0-9]*\b", exported);
            Assert.Equal(built, again);
            Assert.Equal(await records.GetManifestAsync(first, ct), await records.GetManifestAsync(second, ct), ManifestComparer.Instance);

            // Other bytes are read as new (one edited file).
            var edited = Archives.TarGz([.. Archives.ExampleFiles("shop").Select((f, i) => i == 0 ? (f.Path, [.. f.Content, (byte)'\n']) : f)]);
            await BuildAsync(client, edited, "aggressive", ct);
            Assert.Equal(1, uploads.Remembered);
        }
    }

    [Fact]
    public async Task An_archive_whose_inputs_the_store_no_longer_holds_is_read_again()
    {
        var ct = TestContext.Current.CancellationToken;
        var archive = Archives.TarGz(Archives.ExampleFiles("shop"));
        await using var factory = new HyperApiFactory();
        var client = factory.CreateClient();
        await BuildAsync(client, archive, "aggressive", ct);
        var uploads = factory.Services.GetRequiredService<AcceptedUploads>();
        var key = AcceptedUploads.KeyOf(Grump.Hyper.Api.Auth.TenantDirectory.OpenTenant, archive);

        // A store that holds none of them (swept, or another data folder): no manifest, and the entry is dropped.
        using var empty = new TempFolder("grump-empty-");
        var elsewhere = new DataFolderStore(empty.Path);
        Assert.Null(await uploads.RecallAsync(key, elsewhere, elsewhere, ct));
        var store = factory.Services.GetRequiredService<DataFolderStore>();
        Assert.Null(await uploads.RecallAsync(key, store, store, ct));
        Assert.Equal(0, uploads.Remembered);

        // Read again, it is remembered again.
        await BuildAsync(client, archive, "aggressive", ct);
        Assert.NotNull(await uploads.RecallAsync(key, store, store, ct));
        Assert.Equal(1, uploads.Remembered);
    }

    [Fact]
    public async Task The_remembered_manifests_stay_within_their_input_budget()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = new HyperApiFactory();
        var uploads = factory.Services.GetRequiredService<AcceptedUploads>();
        var store = factory.Services.GetRequiredService<DataFolderStore>();
        var tenant = Grump.Hyper.Api.Auth.TenantDirectory.OpenTenant;
        var source = new Grump.Hyper.Compiler.Modules.SourceFile("a.intent", "Build a cart."u8.ToArray());
        await store.PutSourcesAsync([source], ct);
        await store.AddTenantBlobsAsync(tenant, [source.Sha256], ct);
        Grump.Hyper.Compiler.Project.ProjectManifest Manifest(int inputs) => Grump.Hyper.Compiler.Project.ProjectManifest.Of(Grump.Hyper.Compiler.Project.ProjectLoader.Select([source])) with
        {
            Inputs = [.. Enumerable.Repeat(new Grump.Hyper.Compiler.Project.ProjectInput("a.intent", source.Sha256, source.Content.Length, Grump.Hyper.Compiler.Project.InputRole.Source), inputs)],
        };

        var (first, second, huge) = (AcceptedUploads.KeyOf(tenant, [1]), AcceptedUploads.KeyOf(tenant, [2]), AcceptedUploads.KeyOf(tenant, [3]));
        uploads.Remember(first, Manifest((AcceptedUploads.MaxInputs / 2) + 1), 1);
        Assert.NotNull(await uploads.RecallAsync(first, store, store, ct));
        uploads.Remember(second, Manifest((AcceptedUploads.MaxInputs / 2) + 1), 1); // over the budget together: the memory starts again
        Assert.Null(await uploads.RecallAsync(first, store, store, ct));
        Assert.NotNull(await uploads.RecallAsync(second, store, store, ct));
        uploads.Remember(huge, Manifest(AcceptedUploads.MaxInputs + 1), 1); // larger than the budget alone: not kept
        Assert.Null(await uploads.RecallAsync(huge, store, store, ct));
        Assert.NotNull(await uploads.RecallAsync(second, store, store, ct));
    }

    /// <summary>Manifests by value: settings, inputs and diagnostics (immutable arrays compare by reference).</summary>
    [Fact]
    public async Task An_edit_of_the_tenants_last_project_is_selected_from_its_last_selection_as_a_fresh_selection_would()
    {
        await using var factory = new HyperApiFactory();
        var uploads = factory.Services.GetRequiredService<AcceptedUploads>();
        var shop = Archives.ExampleFiles("shop").Select(f => new Grump.Hyper.Compiler.Modules.SourceFile(f.Path, f.Content)).ToList();
        static string Json(Grump.Hyper.Compiler.Project.ProjectSelection selection) =>
            JsonSerializer.Serialize(Grump.Hyper.Compiler.Project.ProjectManifest.Of(selection), StoreJson.Default.ProjectManifest);
        List<Grump.Hyper.Compiler.Modules.SourceFile> With(string path, string text) =>
            [.. shop.Select(f => f.Path == path ? new Grump.Hyper.Compiler.Modules.SourceFile(path, Archives.Text(text)) : f)];

        var first = uploads.Select("t1", shop);
        Assert.Equal(Json(Grump.Hyper.Compiler.Project.ProjectLoader.Select(shop)), Json(first));

        // A body edit: the same paths and grump.json, so the last selection places the files (the same decisions).
        var edited = With("shop/cart.intent", "Build a cart that keeps items for a week.");
        var again = uploads.Select("t1", edited);
        Assert.Same(first.Order, again.Order);
        Assert.Equal(Json(Grump.Hyper.Compiler.Project.ProjectLoader.Select(edited)), Json(again));
        Assert.Contains(again.Sources, f => f.Path == "cart.intent" && Archives.Text("Build a cart that keeps items for a week.").AsSpan().SequenceEqual(f.Content.Span));

        // Other settings are a selection of their own: drafts included now, vendor no longer vendor.
        var settings = With("shop/grump.json", """{ "name": "shop", "include": ["**/*.intent"] }""");
        var other = uploads.Select("t1", settings);
        Assert.NotSame(first.Order, other.Order);
        Assert.Equal(Json(Grump.Hyper.Compiler.Project.ProjectLoader.Select(settings)), Json(other));
        Assert.NotEqual(Json(again), Json(other));

        // Another tenant never starts from this tenant's selection.
        Assert.NotSame(other.Order, uploads.Select("t2", settings).Order);
    }

    private sealed class ManifestComparer : IEqualityComparer<Grump.Hyper.Compiler.Project.ProjectManifest?>
    {
        public static readonly ManifestComparer Instance = new();

        public bool Equals(Grump.Hyper.Compiler.Project.ProjectManifest? x, Grump.Hyper.Compiler.Project.ProjectManifest? y) =>
            x is not null && y is not null && x.Inputs.SequenceEqual(y.Inputs) && x.Diagnostics.SequenceEqual(y.Diagnostics) &&
            JsonSerializer.Serialize(x.Settings) == JsonSerializer.Serialize(y.Settings);

        public int GetHashCode(Grump.Hyper.Compiler.Project.ProjectManifest? obj) => obj?.Inputs.Length ?? 0;
    }
}
