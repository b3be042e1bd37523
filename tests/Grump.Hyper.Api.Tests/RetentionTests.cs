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
            await store.CreateAsync(job, ct);
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
    public async Task The_sweep_works_on_redis_and_leaves_no_keys_of_the_removed_job()
    {
        var ct = TestContext.Current.CancellationToken;
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis.NewDatabase());
        await AssertSweepAsync(new RedisJobStore(mux), ct);
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        Assert.Empty(server.Keys(mux.GetDatabase().Database, "*" + 1.ToString("x32", System.Globalization.CultureInfo.InvariantCulture) + "*"));
    }
}
