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
public sealed class RetentionTests(RedisServer redis)
{
    private static JobRecord Job(string id, string status, DateTimeOffset? finishedAt) => new()
    {
        Id = id,
        Status = status,
        Tier = "balanced",
        CreatedAt = DateTimeOffset.UtcNow.AddDays(-30),
        FinishedAt = finishedAt,
    };

    private static async Task AssertSweepAsync(IJobStore store, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        string Id(int n) => n.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);
        var old = Job(Id(1), JobStatus.Succeeded, now.AddDays(-3));
        var recent = Job(Id(2), JobStatus.Failed, now.AddHours(-2));
        var running = Job(Id(3), JobStatus.Running, null);
        foreach (var job in new[] { old, recent, running })
        {
            await store.CreateAsync(job, [], ct);
            var artifacts = new ArtifactSet();
            artifacts.Add("manifest.json", "{}"u8.ToArray());
            await store.SaveArtifactsAsync(job.Id, artifacts, ct);
            await store.SaveDeliveryAsync(new DeliveryRecord { Id = "msg_" + job.Id, JobId = job.Id, Event = "job.succeeded", Url = "https://example.org/", CreatedAt = now }, ct);
        }

        Assert.NotNull(await store.GetAsync(old.Id, ct)); // also puts it in the finished-job cache
        var sweep = new RetentionJob(store, Options.Create(new HyperApiOptions { Retention = TimeSpan.FromDays(1) }), TimeProvider.System, NullLogger<RetentionJob>.Instance);

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
        var folder = Directory.CreateTempSubdirectory("grump-retention-").FullName;
        try
        {
            await AssertSweepAsync(new FileJobStore(folder), TestContext.Current.CancellationToken);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task On_the_file_store_the_sweep_drops_old_sources_that_no_unfinished_job_needs()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("grump-retention-").FullName;
        try
        {
            var store = new FileJobStore(folder);
            var needed = new Compiler.Modules.SourceFile("a.intent", "Build a cart."u8.ToArray());
            var unused = new Compiler.Modules.SourceFile("b.intent", "Build a wishlist."u8.ToArray());
            var fresh = new Compiler.Modules.SourceFile("c.intent", "Build a search."u8.ToArray());
            await store.PutSourcesAsync([needed, unused, fresh], ct);
            await store.CreateAsync(Job("0000000000000000000000000000000a", JobStatus.Queued, null), [new InputRef(needed.Path, needed.Sha256, needed.Content.Length)], ct);
            foreach (var old in new[] { needed, unused })
            {
                File.SetLastWriteTimeUtc(Directory.EnumerateFiles(folder, old.Sha256, SearchOption.AllDirectories).Single(), DateTime.UtcNow.AddDays(-3));
            }

            var sweep = new RetentionJob(store, Options.Create(new HyperApiOptions { Retention = TimeSpan.FromDays(1) }), TimeProvider.System, NullLogger<RetentionJob>.Instance);
            await sweep.RunAsync(ct);

            Assert.Single(Directory.EnumerateFiles(folder, needed.Sha256, SearchOption.AllDirectories));
            Assert.Empty(Directory.EnumerateFiles(folder, unused.Sha256, SearchOption.AllDirectories));
            Assert.Single(Directory.EnumerateFiles(folder, fresh.Sha256, SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task In_redis_sources_expire_after_the_retention_counted_from_their_last_upload()
    {
        var ct = TestContext.Current.CancellationToken;
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis.NewDatabase());
        var store = new RedisJobStore(mux, TimeSpan.FromHours(5));
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
        await AssertSweepAsync(new RedisJobStore(mux), ct);
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        Assert.Empty(server.Keys(mux.GetDatabase().Database, "*" + 1.ToString("x32", System.Globalization.CultureInfo.InvariantCulture) + "*"));
    }
}
