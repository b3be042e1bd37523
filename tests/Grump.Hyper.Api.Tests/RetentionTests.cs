using Grump.Hyper.Api.Configuration;
using Grump.Hyper.Api.Jobs;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Api.Tests.Infrastructure;
using Grump.Hyper.Compiler.Emit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Grump.Hyper.Api.Tests;

/// <summary>The retention sweep removes old finished jobs with their artifacts and deliveries, and nothing else.</summary>
public sealed class RetentionTests(RedisFixture redis)
{
    private static JobRecord Job(string id, string status, DateTimeOffset? finishedAt) => new()
    {
        Id = id,
        Status = status,
        Tier = "balanced",
        CreatedAt = DateTimeOffset.UtcNow.AddDays(-30),
        FinishedAt = finishedAt,
    };

    private static async Task AssertSweepAsync<TStore>(TStore store, CancellationToken ct)
        where TStore : IJobRecords, ISourceStore, IArtifactStore, IDeliveryStore, IStorageBackend
    {
        var now = DateTimeOffset.UtcNow;
        string Id(int n) => n.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);
        var old = Job(Id(1), JobStatus.Succeeded, now.AddDays(-3));
        var recent = Job(Id(2), JobStatus.Failed, now.AddHours(-2));
        var running = Job(Id(3), JobStatus.Running, null);
        foreach (var job in new[] { old, recent, running })
        {
            await store.CreateAsync(job, Grump.Hyper.Compiler.Project.ProjectManifest.Of(Grump.Hyper.Compiler.Project.ProjectLoader.Select([])), ct);
            var artifacts = new ArtifactSet();
            artifacts.Add("manifest.json", "{}"u8.ToArray());
            await store.SaveArtifactsAsync(job.Id, artifacts, ct);
            await store.SaveDeliveryAsync(new DeliveryRecord { Id = "msg_" + job.Id, JobId = job.Id, Event = "job.succeeded", Url = "https://example.org/", CreatedAt = now }, ct);
        }

        Assert.NotNull(await store.GetAsync(old.Id, ct)); // also puts it in the finished-job cache
        var sweep = new RetentionJob(store, store, store, store, store, Options.Create(new HyperApiOptions { Retention = TimeSpan.FromDays(1) }), TimeProvider.System, NullLogger<RetentionJob>.Instance);

        Assert.Equal(1, await sweep.RunAsync(ct));

        Assert.Null(await store.GetAsync(old.Id, ct));
        Assert.Null(await store.ListArtifactsAsync(old.Id, ct));
        Assert.Empty(await store.ListDeliveriesAsync(old.Id, ct));
        Assert.NotNull(await store.GetAsync(recent.Id, ct));
        Assert.NotNull(await store.ListArtifactsAsync(recent.Id, ct));
        Assert.NotNull(await store.GetAsync(running.Id, ct));
        var (listed, _) = await store.ListAsync(Auth.TenantDirectory.OpenTenant, new JobQuery(null, null, 10, null), ct);
        Assert.DoesNotContain(listed, j => j.Id == old.Id);
        Assert.Equal(0, await sweep.RunAsync(ct));
    }

    [Fact]
    public async Task The_sweep_works_on_the_file_store()
    {
        using var temp = new TempFolder("grump-retention-");
        var folder = temp.Path;
        await AssertSweepAsync(new DataFolderStore(folder), TestContext.Current.CancellationToken);
    }

    /// <summary>The pack index (<c>packs/*.idx</c>) that lists a blob, if any.</summary>
    private static Compiler.Project.ProjectInput Input(Compiler.Modules.SourceFile file) =>
        new(file.Path, file.Sha256, file.Content.Length, Compiler.Project.InputRole.Source);

    private static string? PackOf(string folder, string sha256) =>
        Directory.EnumerateFiles(Path.Combine(folder, "packs"), "*.idx").SingleOrDefault(idx => File.ReadLines(idx).Any(l => l.StartsWith(sha256 + " ", StringComparison.Ordinal)));

    [Fact]
    public async Task On_the_file_store_the_sweep_drops_old_packs_that_no_unfinished_job_needs()
    {
        var ct = TestContext.Current.CancellationToken;
        using var temp = new TempFolder("grump-retention-");
        var folder = temp.Path;
        var store = new DataFolderStore(folder);
        var needed = new Compiler.Modules.SourceFile("a.intent", "Build a cart."u8.ToArray());
        var unused = new Compiler.Modules.SourceFile("b.intent", "Build a wishlist."u8.ToArray());
        var fresh = new Compiler.Modules.SourceFile("c.intent", "Build a search."u8.ToArray());
        foreach (var upload in new[] { needed, unused, fresh })
        {
            await store.PutSourcesAsync([upload], ct); // one upload, one pack
        }

        await store.CreateAsync(Job("0000000000000000000000000000000a", JobStatus.Queued, null), Compiler.Project.ProjectManifest.Of(Compiler.Project.ProjectLoader.Select([needed])), ct);
        foreach (var old in new[] { needed, unused })
        {
            File.SetLastWriteTimeUtc(PackOf(folder, old.Sha256)!, DateTime.UtcNow.AddDays(-3));
        }

        var sweep = new RetentionJob(store, store, store, store, store, Options.Create(new HyperApiOptions { Retention = TimeSpan.FromDays(1) }), TimeProvider.System, NullLogger<RetentionJob>.Instance);
        await sweep.RunAsync(ct);

        Assert.NotNull(PackOf(folder, needed.Sha256)); // old, but a queued job needs it
        Assert.Null(PackOf(folder, unused.Sha256));
        Assert.NotNull(PackOf(folder, fresh.Sha256));
        Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(folder, "packs"), "*.pack").Count());

        // Another process on the same folder finds what is left.
        var other = new DataFolderStore(folder);
        var read = await other.GetSourcesAsync([Input(needed), Input(fresh)], ct);
        Assert.Equal(["Build a cart.", "Build a search."], read.Select(f => System.Text.Encoding.UTF8.GetString(f.Content.Span)));
    }

    [Fact]
    public async Task On_the_file_store_a_build_writes_its_new_artifact_objects_as_one_pack_and_the_sweep_drops_packs_nothing_names()
    {
        var ct = TestContext.Current.CancellationToken;
        using var temp = new TempFolder("grump-retention-");
        var folder = temp.Path;
        var store = new DataFolderStore(folder);
        string Id(int n) => n.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);
        var old = Job(Id(1), JobStatus.Succeeded, DateTimeOffset.UtcNow.AddDays(-3));
        var kept = Job(Id(2), JobStatus.Succeeded, DateTimeOffset.UtcNow.AddHours(-2));
        string[] Packs() => [.. Directory.EnumerateFiles(Path.Combine(folder, "object-packs"), "*.idx").Order(StringComparer.Ordinal)];
        var packOf = new Dictionary<string, string>();
        foreach (var (job, text) in new[] { (old, "only the old job's"), (kept, "the kept job's") })
        {
            await store.CreateAsync(job, Grump.Hyper.Compiler.Project.ProjectManifest.Of(Grump.Hyper.Compiler.Project.ProjectLoader.Select([])), ct);
            var artifacts = new ArtifactSet();
            artifacts.Add("modules/a.json", System.Text.Encoding.UTF8.GetBytes($"{{\"text\": \"{text}\"}}"));
            artifacts.Add("modules/b.json", System.Text.Encoding.UTF8.GetBytes($"{{\"text\": \"{text}, too\"}}"));
            var before = Packs();
            await store.SaveArtifactsAsync(job.Id, artifacts, ct);
            packOf[job.Id] = Assert.Single(Packs().Except(before)); // both new objects in one pack
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(folder, "objects"), "*.json", SearchOption.AllDirectories));
        }

        // Saving the kept job's artifacts again writes nothing new.
        var again = new ArtifactSet();
        again.Add("modules/a.json", "{\"text\": \"the kept job's\"}"u8.ToArray());
        again.Add("modules/b.json", "{\"text\": \"the kept job's, too\"}"u8.ToArray());
        await store.SaveArtifactsAsync(kept.Id, again, ct);
        Assert.Equal(2, Packs().Length);

        // Past the objects' hour of grace, the sweep drops the old job and the pack only it named.
        foreach (var idx in Packs())
        {
            File.SetLastWriteTimeUtc(idx, DateTime.UtcNow.AddHours(-2));
        }

        var sweep = new RetentionJob(store, store, store, store, store, Options.Create(new HyperApiOptions { Retention = TimeSpan.FromDays(1) }), TimeProvider.System, NullLogger<RetentionJob>.Instance);
        Assert.Equal(1, await sweep.RunAsync(ct));
        Assert.Equal([packOf[kept.Id]], Packs());
        Assert.False(File.Exists(Path.ChangeExtension(packOf[old.Id], ".pack")));

        // Another process on the same folder serves the kept job's artifacts from the pack.
        var other = new DataFolderStore(folder);
        Assert.Equal("{\"text\": \"the kept job's, too\"}", System.Text.Encoding.UTF8.GetString((await other.GetArtifactAsync(kept.Id, "modules/b.json", ct))!));
        Assert.Null(await other.ListArtifactsAsync(old.Id, ct));
    }

    [Fact]
    public async Task New_sources_of_one_upload_are_one_pack_and_known_ones_are_not_written_again()
    {
        var ct = TestContext.Current.CancellationToken;
        using var temp = new TempFolder("grump-packs-");
        var folder = temp.Path;
        var files = Enumerable.Range(0, 500).Select(i => new Compiler.Modules.SourceFile($"m{i}.intent", System.Text.Encoding.UTF8.GetBytes($"Build feature {i}."))).ToList();
        var store = new DataFolderStore(folder);
        await store.PutSourcesAsync(files, ct);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(folder, "packs"), "*.pack"));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(folder, "blobs"), "*", SearchOption.AllDirectories));

        // A restarted process knows the pack: the same upload plus one new file writes a pack of one.
        var restarted = new DataFolderStore(folder);
        await restarted.PutSourcesAsync([.. files, new Compiler.Modules.SourceFile("new.intent", "Build a blog."u8.ToArray())], ct);
        var packs = Directory.EnumerateFiles(Path.Combine(folder, "packs"), "*.idx").Select(File.ReadAllLines).OrderBy(l => l.Length).ToList();
        Assert.Equal([1, 500], packs.Select(p => p.Length));

        var read = await restarted.GetSourcesAsync([.. files.Select(Input)], ct);
        Assert.Equal(files.Select(f => f.Sha256), read.Select(f => f.Sha256));
    }

    [Fact]
    public async Task A_pack_another_process_swept_is_written_again_on_the_next_upload()
    {
        var ct = TestContext.Current.CancellationToken;
        using var temp = new TempFolder("grump-packs-");
        var folder = temp.Path;
        var source = new Compiler.Modules.SourceFile("a.intent", "Build a cart."u8.ToArray());
        var api = new DataFolderStore(folder);
        await api.PutSourcesAsync([source], ct);

        // A process that loaded the pack's index at start, then a worker on the same folder sweeps the pack.
        var knowing = new DataFolderStore(folder);
        File.SetLastWriteTimeUtc(PackOf(folder, source.Sha256)!, DateTime.UtcNow.AddDays(-3));
        var worker = new DataFolderStore(folder);
        await new RetentionJob(worker, worker, worker, worker, worker, Options.Create(new HyperApiOptions { Retention = TimeSpan.FromDays(1) }), TimeProvider.System, NullLogger<RetentionJob>.Instance).RunAsync(ct);
        Assert.Null(PackOf(folder, source.Sha256));

        // The process that still remembers the pack uploads the source again: it notices and writes it anew.
        await knowing.PutSourcesAsync([source], ct);
        Assert.NotNull(PackOf(folder, source.Sha256));
        var read = await knowing.GetSourcesAsync([Input(source)], ct);
        Assert.Equal("Build a cart.", System.Text.Encoding.UTF8.GetString(read.Single().Content.Span));
    }

    [Fact]
    public async Task In_redis_sources_expire_after_the_retention_counted_from_their_last_upload()
    {
        var ct = TestContext.Current.CancellationToken;
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis.NewDatabase());
        var store = new RedisStore(mux, TimeSpan.FromHours(5));
        var source = new Compiler.Modules.SourceFile("a.intent", "Build a cart."u8.ToArray());
        await store.PutSourcesAsync([source], ct);
        var key = mux.GetServer(mux.GetEndPoints()[0]).Keys(mux.GetDatabase().Database, "grump:blob:*").Single();
        await mux.GetDatabase().KeyExpireAsync(key, TimeSpan.FromMinutes(1));

        await store.PutSourcesAsync([source], ct);

        var ttl = await mux.GetDatabase().KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value, TimeSpan.FromHours(4.9), TimeSpan.FromHours(5));
    }

    [Fact]
    public async Task The_sweep_works_on_redis_and_leaves_no_keys_of_the_removed_job()
    {
        var ct = TestContext.Current.CancellationToken;
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis.NewDatabase());
        await AssertSweepAsync(new RedisStore(mux), ct);
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        Assert.Empty(server.Keys(mux.GetDatabase().Database, "*" + 1.ToString("x32", System.Globalization.CultureInfo.InvariantCulture) + "*"));
    }

    /// <summary>The data folder's store, told it is a backend whose sources and values expire by themselves.</summary>
    private sealed class ExpiringBackend(DataFolderStore inner) : IStorageBackend
    {
        public string Kind => "expiring";

        public StorageFeatures Features => StorageFeatures.SourcesExpire;

        public Task<bool> PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);
    }

    [Fact]
    public async Task A_backend_whose_sources_expire_is_asked_its_features_and_never_swept()
    {
        var ct = TestContext.Current.CancellationToken;
        using var temp = new TempFolder("grump-expiring-");
        var folder = temp.Path;
        var store = new DataFolderStore(folder);
        var source = new Compiler.Modules.SourceFile("a.intent", "Build a cart."u8.ToArray());
        await store.PutSourcesAsync([source], ct);
        var pack = PackOf(folder, source.Sha256)!;
        File.SetLastWriteTimeUtc(pack, DateTime.UtcNow.AddDays(-3)); // old and needed by no job: the data folder's own sweep takes it
        var old = Job(1.ToString("x32", System.Globalization.CultureInfo.InvariantCulture), JobStatus.Succeeded, DateTimeOffset.UtcNow.AddDays(-3));
        await store.CreateAsync(old, Compiler.Project.ProjectManifest.Of(Compiler.Project.ProjectLoader.Select([source])), ct);
        var options = Options.Create(new HyperApiOptions { Retention = TimeSpan.FromDays(1) });

        var expiring = new RetentionJob(store, store, store, store, new ExpiringBackend(store), options, TimeProvider.System, NullLogger<RetentionJob>.Instance);
        Assert.Equal(1, await expiring.RunAsync(ct));

        Assert.Null(await store.GetAsync(old.Id, ct)); // old jobs still go
        Assert.NotNull(PackOf(folder, source.Sha256)); // but no source was swept: the backend expires them itself

        await new RetentionJob(store, store, store, store, store, options, TimeProvider.System, NullLogger<RetentionJob>.Instance).RunAsync(ct);
        Assert.Null(PackOf(folder, source.Sha256)); // the data folder's own features: swept
    }
}
