using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Engine.Pipeline;
using Hangfire;
using Hangfire.Common;
using Hangfire.Redis.StackExchange;
using Hangfire.States;
using StackExchange.Redis;

namespace Grump.Hyper.Benchmarks;

/// <summary>
/// The insane tier across worker processes against aggressive in one process, side by side in one run
/// on one machine: aggressive in this process (the engine alone), then through the service (an HTTP-only
/// API and worker processes on a private redis-server) aggressive with one worker, insane with one and
/// with two workers. Every scenario starts from empty caches (a fresh Redis database, fresh processes,
/// warmed up on a same-size project of other content). Then the cost of a shard beside a no-op Hangfire job.
/// </summary>
internal static class ClusterBenchmark
{
    private const string HangfirePrefix = "{grump-hangfire}:";

    public static async Task<int> RunAsync(string[] args)
    {
        var files = (int)Args.Get(args, "--files", 10_000);
        var project = ProjectGenerator.Generate(files, seed: 42);
        var warmUp = ProjectGenerator.Generate(files, seed: 1); // same size, other content: the JIT warms up on big inputs, the caches stay cold
        var bytes = project.Sum(f => (long)f.Content.Length);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cluster benchmark: {files} files, {bytes / 1048576.0:0.0} MiB, {Environment.ProcessorCount} cores, all processes on this machine, loopback only"));

        var aggressive = HyperOptions.Default with { Tier = CompileTier.Aggressive };
        new HyperCompiler().Compile(warmUp, aggressive);
        var watch = Stopwatch.StartNew();
        new HyperCompiler().Compile(project, aggressive);
        var inProcess = watch.Elapsed.TotalMilliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  aggressive, engine in this process:   {inProcess,8:0} ms"));

        await using var redis = new RedisServer();
        await redis.StartAsync();
        var results = new List<(string Name, double Milliseconds, JsonElement Metrics)>();
        foreach (var (name, tier, workers) in new[] { ("aggressive, API + 1 worker", "aggressive", 1), ("insane, API + 1 worker", "insane", 1), ("insane, API + 2 workers", "insane", 2) })
        {
            var (milliseconds, metrics) = await RunScenarioAsync(redis.NewDatabase(), project, warmUp, tier, workers);
            results.Add((name, milliseconds, metrics));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name + ":",-38}{milliseconds,8:0} ms  ({inProcess / milliseconds:0.00}x of in-process aggressive)  {Describe(metrics)}"));
        }

        var (noOp, dispatch, io) = await OverheadAsync(redis.NewDatabase(), results[^1].Metrics);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  per-shard overhead: no-op Hangfire job round trip {noOp:0.0} ms (median of 100); shard dispatch (queued, first wave) {dispatch:0.0} ms; shard I/O (sources in, modules out) {io:0.0} ms"));

        var twoWorkers = results[^1].Milliseconds;
        var oneWorker = results[^2].Milliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cluster: insane 2 workers {twoWorkers:0} ms, 1 worker {oneWorker:0} ms, aggressive in one process {inProcess:0} ms: {inProcess / twoWorkers:0.00}x (2 workers vs in-process), {oneWorker / twoWorkers:0.00}x (2 workers vs 1) on {Environment.ProcessorCount} cores"));
        return 0;
    }

    private static string Describe(JsonElement metrics)
    {
        var stages = string.Join(", ", metrics.GetProperty("stages").EnumerateArray().Select(s => string.Create(CultureInfo.InvariantCulture,
            $"{s.GetProperty("name").GetString()} {s.GetProperty("milliseconds").GetDouble():0}")));
        if (!metrics.TryGetProperty("distribution", out var distribution) || distribution.ValueKind != JsonValueKind.Object)
        {
            return $"[{stages}]";
        }

        var runs = distribution.GetProperty("runs").EnumerateArray().ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"[{stages}; {runs.Count} shards on {runs.Select(r => r.GetProperty("worker").GetString()).Distinct().Count()} workers, compile {runs.Min(r => r.GetProperty("compileMilliseconds").GetDouble()):0}-{runs.Max(r => r.GetProperty("compileMilliseconds").GetDouble()):0} ms per shard]");
    }

    private static async Task<(double Milliseconds, JsonElement Metrics)> RunScenarioAsync(string connection, List<SourceFile> project, List<SourceFile> warmUp, string tier, int workerCount)
    {
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Hangfire"] = connection,
            ["ConnectionStrings__Cache"] = connection,
            ["Hyper__RateLimits__SubmitPerSecond"] = "1000",
            ["Hyper__RateLimits__SubmitBurst"] = "1000",
            ["Hyper__Limits__MaxArchiveBytes"] = "1073741824",
            ["Hyper__Limits__MaxTotalBytes"] = "1073741824",
            ["Hyper__Limits__MaxEntries"] = "200000",
            ["Hyper__WorkerCount"] = "1",
        };
        var workers = new List<HyperProcess>();
        try
        {
            await using var api = await HyperProcess.StartApiAsync(settings, role: "api");
            using var mux = await ConnectionMultiplexer.ConnectAsync(connection);
            var monitoring = Storage(mux, connection).GetMonitoringApi();
            for (var i = 0; i < workerCount; i++)
            {
                var worker = HyperProcess.StartWorker(settings);
                workers.Add(worker);
                await UntilAsync(() => monitoring.Servers().Any(s => s.Name.Contains($":{worker.Id}:shard", StringComparison.Ordinal)), TimeSpan.FromSeconds(60));
            }

            using var client = new HttpClient { BaseAddress = api.Address, Timeout = TimeSpan.FromMinutes(10) };
            await CompileAsync(client, warmUp, tier);
            var watch = Stopwatch.StartNew();
            var metrics = await CompileAsync(client, project, tier);
            return (watch.Elapsed.TotalMilliseconds, metrics);
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }
        }
    }

    /// <summary>Submits, polls until finished, and returns the job's metrics (the wall time includes upload and polling).</summary>
    private static async Task<JsonElement> CompileAsync(HttpClient client, List<SourceFile> files, string tier)
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Archives.TarGz(files)), "archive", "project.tar.gz" },
            { new StringContent(tier), "tier" },
        };
        var response = await client.PostAsync("/compile", form);
        response.EnsureSuccessStatusCode();
        var location = response.Headers.Location!.ToString();
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (DateTime.UtcNow < deadline)
        {
            var job = await client.GetFromJsonAsync<JsonElement>(location);
            var status = job.GetProperty("status").GetString();
            if (status == "succeeded")
            {
                return job.GetProperty("metrics");
            }

            if (status is "failed" or "cancelled")
            {
                throw new InvalidOperationException($"The benchmark job {status}: {job}");
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("The benchmark job did not finish in 10 minutes.");
    }

    /// <summary>
    /// A no-op job (a static BCL method, so the worker needs nothing of ours to run it) on the shard queue,
    /// enqueued and awaited one at a time, against what the measured shards spent besides compiling.
    /// </summary>
    private static async Task<(double NoOp, double Dispatch, double Io)> OverheadAsync(string connection, JsonElement insaneMetrics)
    {
        var settings = new Dictionary<string, string> { ["ConnectionStrings__Hangfire"] = connection, ["Hyper__WorkerCount"] = "1" };
        await using var worker = HyperProcess.StartWorker(settings);
        using var mux = await ConnectionMultiplexer.ConnectAsync(connection);
        var storage = Storage(mux, connection);
        await UntilAsync(() => storage.GetMonitoringApi().Servers().Any(s => s.Name.Contains($":{worker.Id}:shard", StringComparison.Ordinal)), TimeSpan.FromSeconds(60));
        var client = new BackgroundJobClient(storage);
        using var connectionToStorage = storage.GetConnection();
        var times = new List<double>();
        for (var i = 0; i < 110; i++)
        {
            var watch = Stopwatch.StartNew();
            var id = client.Create(Job.FromExpression(() => Environment.GetEnvironmentVariable("GRUMP_NO_OP")), new EnqueuedState("shard"));
            await UntilAsync(() => connectionToStorage.GetStateData(id)?.Name == SucceededState.StateName, TimeSpan.FromSeconds(30), pollMilliseconds: 0);
            if (i >= 10)
            {
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        var runs = insaneMetrics.GetProperty("distribution").GetProperty("runs").EnumerateArray().ToList();
        var firstWave = runs.OrderBy(r => r.GetProperty("queuedMilliseconds").GetDouble()).Take(runs.Select(r => r.GetProperty("worker").GetString()).Distinct().Count()).ToList();
        return (times[times.Count / 2], firstWave.Average(r => r.GetProperty("queuedMilliseconds").GetDouble()), runs.Average(r => r.GetProperty("ioMilliseconds").GetDouble()));
    }

    private static RedisStorage Storage(IConnectionMultiplexer mux, string connection) =>
        new(mux, new RedisStorageOptions { Prefix = HangfirePrefix, Db = ConfigurationOptions.Parse(connection).DefaultDatabase ?? 0 });

    private static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, int pollMilliseconds = 20)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("A benchmark precondition did not hold in time.");
            }

            if (pollMilliseconds > 0)
            {
                await Task.Delay(pollMilliseconds);
            }
            else
            {
                await Task.Yield();
            }
        }
    }
}
