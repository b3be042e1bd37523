using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grump.Hyper.Api.Jobs;
using Grump.Hyper.Api.Tests.Infrastructure;

namespace Grump.Hyper.Api.Tests;

/// <summary>
/// The insane tier fanned out over real worker processes on a real Redis: an API host that serves HTTP
/// only, and workers started with <c>--role worker</c> from the built service. Faults are real too: a
/// worker is killed, Redis is killed and started again.
/// </summary>
public sealed class DistributedTests(RedisFixture redis)
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Two_workers_share_the_shards_and_the_artifacts_equal_an_aggressive_compile_in_one_process()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = new Cluster(redis.NewDatabase());
        var first = await cluster.StartWorkerAsync(ct);
        var second = await cluster.StartWorkerAsync(ct);
        var client = cluster.Api.CreateClient();
        var files = ProjectGenerator.Generate(5000, seed: 6);

        var response = await JobClient.SubmitAsync(client, Archives.TarGz(files), "big.tar.gz", "insane", ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await JobClient.WaitForFinishAsync(client, response.Headers.Location!.ToString(), ct, JobTimeout);

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        var id = job.GetProperty("id").GetString()!;
        Assert.Equal(Cluster.AggressiveHashes(files), await Cluster.ArtifactHashesAsync(client, id, ct));

        var metrics = job.GetProperty("metrics");
        Assert.Equal("insane", metrics.GetProperty("tier").GetString());
        var distribution = metrics.GetProperty("distribution");
        var runs = distribution.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(distribution.GetProperty("shards").GetInt32(), runs.Count);
        Assert.Equal(4, runs.Count); // two workers with two shard workers each
        Assert.Equal(5000, runs.Sum(r => r.GetProperty("files").GetInt32()));
        Assert.Equal(new[] { first.WorkerName, second.WorkerName }.Order(StringComparer.Ordinal), runs.Select(r => r.GetProperty("worker").GetString()!).Distinct().Order(StringComparer.Ordinal));
        Assert.All(runs, r => Assert.True(r.GetProperty("compileMilliseconds").GetDouble() > 0 && r.GetProperty("queuedMilliseconds").GetDouble() >= 0));
        Assert.Equal(5000, job.GetProperty("progress").GetProperty("filesDone").GetInt32());
    }

    [Fact]
    public async Task A_worker_killed_mid_shard_is_taken_over_after_the_invisibility_timeout_with_identical_artifacts()
    {
        var ct = TestContext.Current.CancellationToken;
        var invisibility = TimeSpan.FromSeconds(2);
        await using var cluster = new Cluster(redis.NewDatabase(), new Dictionary<string, string>
        {
            ["Hyper__Distributed__InvisibilityTimeout"] = invisibility.ToString(),
            ["Hyper__Distributed__Shards"] = "2",
            ["Hyper__Distributed__ShardWorkers"] = "1",
        });
        var doomed = await cluster.StartWorkerAsync(ct);
        var client = cluster.Api.CreateClient();
        var files = ProjectGenerator.Generate(3000, seed: 7);

        var response = await JobClient.SubmitAsync(client, Archives.TarGz(files), "big.tar.gz", "insane", ct);
        var location = response.Headers.Location!.ToString();
        await Cluster.Until(cluster.Processing<ShardJob>, JobTimeout, () => "no shard started:\n" + doomed.RecentOutput, ct);
        await doomed.KillAsync();
        var killedAt = DateTime.UtcNow;

        var mid = await client.GetFromJsonAsync<JsonElement>(location, ct);
        Assert.Equal("running", mid.GetProperty("status").GetString());
        Assert.True(mid.GetProperty("progress").GetProperty("filesDone").GetInt32() < 3000, "the worker was killed before the last shard finished");

        // The takeover is time itself: Hangfire hands a fetched job to another worker only once it has
        // been invisible for the configured timeout, checked when a server starts and then every minute.
        await Cluster.Until(() => DateTime.UtcNow > killedAt + invisibility, invisibility * 2, () => "clock", ct);
        var survivor = await cluster.StartWorkerAsync(ct);
        var job = await JobClient.WaitForFinishAsync(client, location, ct, JobTimeout);

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(Cluster.AggressiveHashes(files), await Cluster.ArtifactHashesAsync(client, job.GetProperty("id").GetString()!, ct));
        var runs = job.GetProperty("metrics").GetProperty("distribution").GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(2, runs.Count);
        Assert.Contains(runs, r => r.GetProperty("worker").GetString() == survivor.WorkerName);
    }

    [Fact]
    public async Task Cancelling_mid_job_stops_the_running_shard_deletes_the_queued_ones_and_never_links()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = new Cluster(redis.NewDatabase(), new Dictionary<string, string>
        {
            ["Hyper__Distributed__Shards"] = "4",
            ["Hyper__Distributed__ShardWorkers"] = "1",
        });
        var worker = await cluster.StartWorkerAsync(ct);
        var client = cluster.Api.CreateClient();
        var files = ProjectGenerator.Generate(3000, seed: 8);

        var response = await JobClient.SubmitAsync(client, Archives.TarGz(files), "big.tar.gz", "insane", ct);
        var location = response.Headers.Location!.ToString();
        await Cluster.Until(cluster.Processing<ShardJob>, JobTimeout, () => "no shard started:\n" + worker.RecentOutput, ct);

        var cancel = await client.DeleteAsync(location, ct);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        // Nothing left running or queued for the job, with a deadline.
        await Cluster.Until(() => cluster.Monitoring.ProcessingCount() == 0 && cluster.Monitoring.EnqueuedCount(ShardJob.Queue) == 0 && cluster.Monitoring.EnqueuedCount(LinkJob.Queue) == 0,
            TimeSpan.FromSeconds(30), () => "work still running after the cancel", ct);
        var job = await client.GetFromJsonAsync<JsonElement>(location, ct);
        Assert.Equal("cancelled", job.GetProperty("status").GetString());
        Assert.Equal("cancelled", job.GetProperty("progress").GetProperty("stage").GetString());
        Assert.True(job.GetProperty("progress").GetProperty("filesDone").GetInt32() < 3000);
        Assert.True(cluster.Monitoring.DeletedListCount() >= 1, "queued shards are deleted from Hangfire");
        Assert.DoesNotContain(cluster.Monitoring.SucceededJobs(0, 100), j => j.Value.Job?.Type == typeof(LinkJob));
        Assert.Equal(HttpStatusCode.Conflict, (await client.GetAsync(location + "/artifacts", ct)).StatusCode);
        Assert.False(worker.HasExited);
    }

    [Fact]
    public async Task A_job_queued_while_redis_is_killed_completes_after_it_restarts_and_submissions_in_between_get_503()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var persistent = new RedisServer { Persistent = true };
        await persistent.StartAsync();
        await using var cluster = new Cluster(persistent.NewDatabase());
        var client = cluster.Api.CreateClient();

        // No worker yet: the job waits in Hangfire's queue.
        var accepted = await JobClient.SubmitAsync(client, Archives.Zip(Archives.ExampleFiles("shop")), "shop.zip", "insane", ct);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var location = accepted.Headers.Location!.ToString();

        await persistent.StopAsync();

        var ready = await client.GetAsync("/readyz", ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("degraded", (await ready.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("status").GetString());
        var refused = await JobClient.SubmitAsync(client, Archives.Zip(Archives.ExampleFiles("shop")), "shop.zip", cancellationToken: ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("storage-unavailable", (await refused.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("code").GetString());
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Empty(cluster.Api.StoredFiles());

        await persistent.StartAsync();
        await cluster.StartWorkerAsync(ct);
        var job = await JobClient.WaitForFinishAsync(client, location, ct, JobTimeout);

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(14, job.GetProperty("metrics").GetProperty("modules").GetInt32());
        var listed = await client.GetFromJsonAsync<JsonElement>("/jobs", ct);
        Assert.Single(listed.GetProperty("items").EnumerateArray()); // the refused submission left nothing behind
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz", ct)).StatusCode);
    }
}
