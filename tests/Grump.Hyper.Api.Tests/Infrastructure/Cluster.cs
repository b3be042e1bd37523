using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Grump.Hyper.Api.Configuration;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Engine.Pipeline;
using Hangfire.Redis.StackExchange;
using Hangfire.Storage;
using StackExchange.Redis;

namespace Grump.Hyper.Api.Tests.Infrastructure;

/// <summary>
/// An API host and worker processes on one Redis database, and Hangfire's own view of them (read through
/// its monitoring API, the way its dashboard does), for the distributed tests.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    private readonly List<HyperProcess> _workers = [];
    private readonly ConnectionMultiplexer _redis;

    public Cluster(string connection, IReadOnlyDictionary<string, string>? workerSettings = null)
    {
        Connection = connection;
        _redis = ConnectionMultiplexer.Connect(connection);
        WorkerSettings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Hangfire"] = connection,
            ["ConnectionStrings__Cache"] = connection,
            ["Hyper__WorkerCount"] = "1",
            ["Hyper__Distributed__ShardWorkers"] = "2",
        };
        foreach (var (key, value) in workerSettings ?? new Dictionary<string, string>())
        {
            WorkerSettings[key] = value;
        }

        // The API serves HTTP only, so every job runs on the worker processes.
        Api = new HyperApiFactory { Redis = connection, Settings = new Dictionary<string, string?> { ["role"] = "api" } };
        Monitoring = new RedisStorage(_redis, new RedisStorageOptions { Prefix = ServiceCollectionExtensions.HangfirePrefix, Db = ConfigurationOptions.Parse(connection).DefaultDatabase ?? 0 })
            .GetMonitoringApi();
    }

    public string Connection { get; }

    public Dictionary<string, string> WorkerSettings { get; }

    public HyperApiFactory Api { get; }

    public IMonitoringApi Monitoring { get; }

    public IReadOnlyList<HyperProcess> Workers => _workers;

    /// <summary>Starts a worker process and waits until Hangfire lists its shard server.</summary>
    public async Task<HyperProcess> StartWorkerAsync(CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var settings = new Dictionary<string, string>(WorkerSettings);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        var worker = HyperProcess.StartWorker(settings);
        _workers.Add(worker);
        await Until(() => Monitoring.Servers().Any(s => s.Name.Contains($":{worker.Id}:shard", StringComparison.Ordinal)), TimeSpan.FromSeconds(60),
            () => "worker did not register with Hangfire:\n" + worker.RecentOutput, cancellationToken);
        return worker;
    }

    /// <summary>Polls a condition until it holds, failing with a message at the deadline.</summary>
    public static Task Until(Func<bool> condition, TimeSpan timeout, Func<string> failure, CancellationToken cancellationToken) =>
        Grump.Hyper.Testing.Poll.UntilAsync(condition, timeout, failure, cancellationToken);

    public bool Processing<TJob>() => Monitoring.ProcessingJobs(0, 100).Any(j => j.Value.Job?.Type == typeof(TJob));

    /// <summary>Every artifact of a finished job (but metrics.json) with its SHA-256, as the API lists them.</summary>
    public static async Task<Dictionary<string, string>> ArtifactHashesAsync(HttpClient client, string jobId, CancellationToken cancellationToken)
    {
        var list = await client.GetFromJsonAsync<JsonElement>($"/jobs/{jobId}/artifacts", cancellationToken);
        return list.EnumerateArray()
            .Where(a => a.GetProperty("path").GetString() != ArtifactSet.Metrics)
            .ToDictionary(a => a.GetProperty("path").GetString()!, a => a.GetProperty("sha256").GetString()!);
    }

    /// <summary>The same files compiled here, in one process, under the aggressive tier: the reference.</summary>
    public static Dictionary<string, string> AggressiveHashes(IEnumerable<SourceFile> files) =>
        new HyperCompiler().Compile(files, HyperOptions.Default with { Tier = CompileTier.Aggressive }).Artifacts
            .Where(a => a.Key != ArtifactSet.Metrics)
            .ToDictionary(a => a.Key, a => a.Value.Sha256);

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }

        await Api.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
