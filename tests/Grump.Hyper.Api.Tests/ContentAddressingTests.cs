using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Api.Tests.Infrastructure;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Grump.Hyper.Api.Tests;

/// <summary>
/// Content addressing on both stores: the same upload again shares every artifact, index and input list
/// with the build before it, so it stores next to nothing new, and both stores list the same artifacts.
/// </summary>
public sealed class ContentAddressingTests(RedisFixture redis)
{
    private static Task<(string Id, JsonElement[] Artifacts)> BuildAsync(HttpClient client, byte[] archive, CancellationToken ct) =>
        JobClient.BuildAsync(client, archive, "aggressive", ct);

    private static IEnumerable<string> Deterministic(JsonElement[] artifacts) => JobClient.Deterministic(artifacts);

    [Fact]
    public async Task An_unchanged_resubmission_stores_next_to_nothing_and_both_stores_list_the_same_artifacts()
    {
        var ct = TestContext.Current.CancellationToken;
        var archive = Archives.TarGz(Archives.ExampleFiles("shop"));

        await using var files = new HyperApiFactory();
        var fileClient = files.CreateClient();
        var (_, first) = await BuildAsync(fileClient, archive, ct);
        long Stored() => Directory.EnumerateFiles(files.DataPath, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        var before = Stored();
        var (second, again) = await BuildAsync(fileClient, archive, ct);
        var grown = Stored() - before;
        Assert.Equal(Deterministic(first), Deterministic(again));
        Assert.True(grown < 32_000, $"an unchanged resubmission stored {grown} bytes");
        Assert.Equal(first.Length, again.Length); // metrics.json is listed too, in its place
        var metrics = await fileClient.GetAsync($"/jobs/{second}/artifacts/metrics.json", ct);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);

        var connection = redis.NewDatabase();
        await using var onRedis = new HyperApiFactory { Redis = connection };
        var redisClient = onRedis.CreateClient();
        var (_, viaRedis) = await BuildAsync(redisClient, archive, ct);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(connection);
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        var db = mux.GetDatabase().Database;
        var objects = server.Keys(db, "grump:object:*").Count();
        var (redisSecond, viaRedisAgain) = await BuildAsync(redisClient, archive, ct);

        Assert.Equal(Deterministic(first), Deterministic(viaRedis));
        Assert.Equal(Deterministic(viaRedis), Deterministic(viaRedisAgain));
        Assert.Equal(objects + 1, server.Keys(db, "grump:object:*").Count()); // only the new metrics.json
        var manifest = await redisClient.GetAsync($"/jobs/{redisSecond}/artifacts/manifest.json", ct);
        Assert.Equal(await (await fileClient.GetAsync($"/jobs/{second}/artifacts/manifest.json", ct)).Content.ReadAsByteArrayAsync(ct), await manifest.Content.ReadAsByteArrayAsync(ct));
    }

    [Fact]
    public async Task Chunks_are_stored_as_recipes_of_their_modules_and_served_whole_and_verified_on_both_stores()
    {
        var ct = TestContext.Current.CancellationToken;
        var archive = Archives.TarGz(Archives.ExampleFiles("shop"));
        await using var files = new HyperApiFactory();
        await using var onRedis = new HyperApiFactory { Redis = redis.NewDatabase() };
        var served = new List<Dictionary<string, byte[]>>();
        foreach (var factory in new[] { files, onRedis })
        {
            var client = factory.CreateClient();
            var (id, artifacts) = await BuildAsync(client, archive, ct);
            var chunks = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var artifact in artifacts.Where(a => a.GetProperty("path").GetString()!.StartsWith("chunks/", StringComparison.Ordinal)))
            {
                var path = artifact.GetProperty("path").GetString()!;
                var bytes = await client.GetByteArrayAsync($"/jobs/{id}/artifacts/{path}", ct);
                Assert.Equal(artifact.GetProperty("sha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
                Assert.Equal(artifact.GetProperty("bytes").GetInt64(), bytes.LongLength);
                using var parsed = JsonDocument.Parse(bytes); // whole, valid JSON
                Assert.NotEmpty(parsed.RootElement.GetProperty("modules").EnumerateArray());
                chunks[path] = bytes;
            }

            Assert.NotEmpty(chunks);
            served.Add(chunks);
        }

        Assert.Equal(served[0].Keys, served[1].Keys);
        Assert.All(served[0], c => Assert.Equal(c.Value, served[1][c.Key]));

        // In the data folder each chunk's object is a recipe, far smaller than the chunk, in the build's object pack.
        var packed = Directory.EnumerateFiles(Path.Combine(files.DataPath, "object-packs"), "*.idx")
            .SelectMany(idx => File.ReadLines(idx).Select(line => line.Split(' ')).Select(f => (Sha: f[0], Pack: Path.ChangeExtension(idx, ".pack"), Offset: long.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture), Length: int.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture))))
            .ToDictionary(e => e.Sha, StringComparer.Ordinal);
        foreach (var (path, bytes) in served[0])
        {
            var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
            Assert.True(packed.TryGetValue(sha, out var at), $"{path} is not in an object pack");
            var stored = new byte[at.Length];
            await using (var pack = File.OpenRead(at.Pack))
            {
                pack.Position = at.Offset;
                await pack.ReadExactlyAsync(stored, ct);
            }

            Assert.True(Grump.Hyper.Api.Storage.ObjectRecipe.IsRecipe(stored), $"{path} is stored whole");
            Assert.True(stored.Length < bytes.Length, $"{path}: recipe {stored.Length} bytes for a {bytes.Length}-byte chunk");
        }
    }

    private static async Task<long> CallsAsync(IServer server, params string[] commands)
    {
        var stats = (await server.InfoAsync("commandstats")).SelectMany(g => g).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        return commands.Sum(c => stats.TryGetValue("cmdstat_" + c, out var value) ? long.Parse(value.Split(',')[0]["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture) : 0);
    }

    [Fact]
    public async Task Big_documents_are_recipes_of_blocks_an_edit_stores_its_new_blocks_and_a_read_fetches_them_in_one_batch()
    {
        var ct = TestContext.Current.CancellationToken;
        var project = ProjectGenerator.Generate(400, seed: 5);
        var edited = ProjectGenerator.Change(project, 0.01, seed: 6);
        string[] documents = ["plan.json", "graph.json", "manifest.json"];

        var asBlocks = new Dictionary<string, string?> { ["Hyper:DocumentBlocks"] = "true" };
        await using var files = new HyperApiFactory { Settings = asBlocks };
        var client = files.CreateClient();
        var (_, first) = await BuildAsync(client, Archives.TarGz(project), ct);
        long Packs() => Directory.EnumerateFiles(Path.Combine(files.DataPath, "object-packs"), "*.pack").Sum(f => new FileInfo(f).Length);
        var before = Packs();
        var (second, again) = await BuildAsync(client, Archives.TarGz(edited), ct);
        var documentBytes = again.Where(a => documents.Contains(a.GetProperty("path").GetString())).Sum(a => a.GetProperty("bytes").GetInt64());
        Assert.NotEqual(first.Single(a => a.GetProperty("path").GetString() == "plan.json").GetProperty("sha256").GetString(),
            again.Single(a => a.GetProperty("path").GetString() == "plan.json").GetProperty("sha256").GetString()); // the edit changed the plan
        // Written whole, the three edited documents alone would be documentBytes; as blocks, the whole edit stores far less.
        Assert.InRange(Packs() - before, 1, documentBytes / 2);
        foreach (var document in documents)
        {
            var bytes = await client.GetByteArrayAsync($"/jobs/{second}/artifacts/{document}", ct);
            var listed = again.Single(a => a.GetProperty("path").GetString() == document);
            Assert.Equal(listed.GetProperty("sha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
        }

        // In Redis a document of many blocks is read in a few commands, not one a block. A server of its own, so the
        // command counts are this service's alone (the shared one serves the other tests at the same time).
        await using var own = new RedisServer();
        await own.StartAsync();
        var connection = own.NewDatabase();
        await using var onRedis = new HyperApiFactory { Redis = connection, Settings = asBlocks };
        var redisClient = onRedis.CreateClient();
        var (onRedisId, listing) = await BuildAsync(redisClient, Archives.TarGz(project), ct);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(connection + ",allowAdmin=true");
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        var reads = await CallsAsync(server, "get", "mget");
        var plan = await redisClient.GetByteArrayAsync($"/jobs/{onRedisId}/artifacts/plan.json", ct);
        Assert.Equal(listing.Single(a => a.GetProperty("path").GetString() == "plan.json").GetProperty("sha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(plan)));
        var stored = (byte[])(await mux.GetDatabase().StringGetAsync("grump:object:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(plan))))!;
        var blocks = System.Text.Encoding.ASCII.GetString(stored).Split('\n').Count(l => l.StartsWith("o ", StringComparison.Ordinal));
        Assert.True(blocks > 20, $"plan.json is {blocks} blocks");
        // The reference, the index, the recipe and one batch of blocks; the service's Hangfire may read a few keys meanwhile.
        Assert.InRange(await CallsAsync(server, "get", "mget") - reads, 1, blocks / 4);
    }

    [Fact]
    public async Task An_upload_is_selected_once_and_only_its_inputs_are_stored_on_both_stores()
    {
        var ct = TestContext.Current.CancellationToken;
        var archive = Archives.Zip(
            ("p/grump.json", """{ "vendor": ["vendor/**"] }"""u8.ToArray()),
            ("p/a.intent", "Build a cart."u8.ToArray()),
            ("p/vendor/v.intent", "Track analytics."u8.ToArray()),
            ("p/README.md", "Not an input."u8.ToArray()));
        await using var files = new HyperApiFactory();
        await using var onRedis = new HyperApiFactory { Redis = redis.NewDatabase() };
        foreach (var factory in new[] { files, onRedis })
        {
            var client = factory.CreateClient();
            var response = await JobClient.SubmitAsync(client, archive, "p.zip", "balanced", ct);
            var id = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
            var job = await JobClient.WaitForFinishAsync(client, $"/jobs/{id}", ct);
            Assert.Equal("succeeded", job.GetProperty("status").GetString());
            Assert.Equal(2, job.GetProperty("progress").GetProperty("filesTotal").GetInt32());

            // The manifest made at the upload: the project's paths (the top folder stripped), roles, no README.
            var records = factory.Services.GetRequiredService<IJobRecords>();
            var sources = factory.Services.GetRequiredService<ISourceStore>();
            var manifest = Assert.IsType<ProjectManifest>(await records.GetManifestAsync(id, ct));
            Assert.Equal(["a.intent", "grump.json", "vendor/v.intent"], manifest.Inputs.Select(i => i.Path));
            Assert.Equal([InputRole.Source, InputRole.Project, InputRole.Vendor], manifest.Inputs.Select(i => i.Role));
            var read = await sources.GetSourcesAsync(manifest.Inputs, ct);
            Assert.Equal("Track analytics.", System.Text.Encoding.UTF8.GetString(read[2].Content.Span));

            // The archive's other files were never stored.
            var readme = new ProjectInput("README.md", SourceFile.Hash("Not an input."u8), 13, InputRole.Source);
            await Assert.ThrowsAsync<InvalidDataException>(() => sources.GetSourcesAsync([readme], ct));
        }
    }

    [Fact]
    public async Task A_manifest_is_parsed_once_per_process_and_read_from_its_object_by_another_on_both_stores()
    {
        var ct = TestContext.Current.CancellationToken;
        var manifest = ProjectManifest.Of(ProjectLoader.Select([new SourceFile("a.intent", "Build a cart."u8.ToArray()), new SourceFile("vendor/v.intent", "Track analytics."u8.ToArray())]));
        JobRecord Job(string id) => new() { Id = id, Status = JobStatus.Queued, Tier = "balanced", CreatedAt = DateTimeOffset.UtcNow };
        using var temp = new TempFolder("grump-manifests-");
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.NewDatabase());
        foreach (var (store, another) in new (IJobRecords, IJobRecords)[] { (new DataFolderStore(temp.Path), new DataFolderStore(temp.Path)), (new RedisStore(mux), new RedisStore(mux)) })
        {
            await store.CreateAsync(Job("cccc0001"), manifest, ct);
            await store.CreateAsync(Job("cccc0002"), manifest, ct); // the same upload again: the same object

            // The process that stored it hands the compile job the manifest itself; another process parses the object.
            Assert.Same(manifest, await store.GetManifestAsync("cccc0001", ct));
            Assert.Same(manifest, await store.GetManifestAsync("cccc0002", ct));
            var parsed = await another.GetManifestAsync("cccc0002", ct);
            Assert.NotSame(manifest, parsed);
            Assert.Equal(JsonSerializer.Serialize(manifest, StoreJson.Default.ProjectManifest), JsonSerializer.Serialize(parsed, StoreJson.Default.ProjectManifest));
            Assert.Same(parsed, await another.GetManifestAsync("cccc0001", ct)); // one object, parsed once
            Assert.Null(await another.GetManifestAsync("cccc0003", ct));
        }
    }

    [Fact]
    public async Task A_damaged_source_is_refused_where_it_is_read_on_both_stores()
    {
        var ct = TestContext.Current.CancellationToken;
        var source = new SourceFile("cart.intent", "Build a cart with Stripe."u8.ToArray());
        var input = new ProjectInput(source.Path, source.Sha256, source.Content.Length, InputRole.Source);
        using var temp = new TempFolder("grump-damaged-");
        var folder = temp.Path;
        var onDisk = new DataFolderStore(folder);
        await onDisk.PutSourcesAsync([source], ct);
        var pack = Directory.EnumerateFiles(Path.Combine(folder, "packs"), "*.pack").Single();
        var bytes = await File.ReadAllBytesAsync(pack, ct);
        bytes[^1] ^= 0x20; // one bit flipped on the disk
        await File.WriteAllBytesAsync(pack, bytes, ct);
        var damaged = await Assert.ThrowsAsync<InvalidDataException>(() => new DataFolderStore(folder).GetSourcesAsync([input], ct));
        Assert.Contains("cart.intent", damaged.Message, StringComparison.Ordinal);

        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.NewDatabase());
        var inRedis = new RedisStore(mux);
        await inRedis.PutSourcesAsync([source], ct);
        Assert.Equal("Build a cart with Stripe.", System.Text.Encoding.UTF8.GetString((await inRedis.GetSourcesAsync([input], ct)).Single().Content.Span));
        await mux.GetDatabase().StringSetAsync("grump:blob:" + source.Sha256, "Build a cart with Paypal.");
        await Assert.ThrowsAsync<InvalidDataException>(() => inRedis.GetSourcesAsync([input], ct));
    }
}
