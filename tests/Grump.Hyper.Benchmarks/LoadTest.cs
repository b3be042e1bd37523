using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Grump.Hyper.Benchmarks;

/// <summary>
/// A bounded loopback load test: a fixed number of requests or a time limit, whichever comes first,
/// only to 127.0.0.1. GET /jobs/{id} (the polling path) and small POST /compile submissions.
/// </summary>
internal static class LoadTest
{
    private sealed record Result(string Name, int Requests, int Errors, double Seconds, double[] LatenciesMs)
    {
        public double PerSecond => Requests / Seconds;

        public double Percentile(double p)
        {
            if (LatenciesMs.Length == 0)
            {
                return double.NaN;
            }

            var sorted = LatenciesMs.Order().ToArray();
            return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var requests = (int)Args.Get(args, "--requests", 40_000);
        var seconds = Args.Get(args, "--seconds", 20);
        var concurrency = (int)Args.Get(args, "--concurrency", 8);
        Console.WriteLine($"load test: {Environment.ProcessorCount} cores, {concurrency} concurrent clients, at most {requests} requests or {seconds} s per scenario, loopback only");

        await using var api = await HyperProcess.StartApiAsync(new Dictionary<string, string>
        {
            ["Hyper__RateLimits__SubmitPerSecond"] = "100000",
            ["Hyper__RateLimits__SubmitBurst"] = "100000",
            ["Hyper__RateLimits__ReadPerSecond"] = "1000000",
            ["Hyper__RateLimits__ReadBurst"] = "1000000",
        });
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var client = new HttpClient(handler) { BaseAddress = api.Address };

        var archive = SmallArchive();
        var id = await SubmitAsync(client, archive);
        for (var i = 0; i < 200 && (await client.GetFromJsonAsync<JsonElement>($"/jobs/{id}")).GetProperty("status").GetString() != "succeeded"; i++)
        {
            await Task.Delay(50);
        }

        await RunScenarioAsync("warm-up", 1000, 10, concurrency, () => client.GetAsync($"/jobs/{id}"));
        var get = await RunScenarioAsync("GET /jobs/{id}", requests, seconds, concurrency, () => client.GetAsync($"/jobs/{id}"));
        var post = await RunScenarioAsync("POST /compile (1 small file)", Math.Max(1, requests / 20), seconds, Math.Max(1, concurrency / 4), () =>
        {
            var content = new ByteArrayContent(archive);
            content.Headers.ContentType = new("application/zip");
            return client.PostAsync("/compile", content);
        });

        Console.WriteLine();
        Console.WriteLine("| scenario | requests | errors | req/s | p50 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in new[] { get, post })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.Requests} | {r.Errors} | {r.PerSecond:0} | {r.Percentile(0.50):0.00} | {r.Percentile(0.99):0.00} | {r.Percentile(1):0.00} |"));
        }

        var met = get.PerSecond >= 5000 && get.Percentile(0.99) <= 10;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load: GET /jobs/{{id}} {get.PerSecond:0} req/s p99 {get.Percentile(0.99):0.00} ms (target >= 5000 req/s, p99 <= 10 ms: {(met ? "met" : "missed")}); POST /compile {post.PerSecond:0} req/s p99 {post.Percentile(0.99):0.00} ms"));
        return get.Errors + post.Errors == 0 ? 0 : 1;
    }

    private static async Task<Result> RunScenarioAsync(string name, int requests, double seconds, int concurrency, Func<Task<HttpResponseMessage>> send)
    {
        var latencies = new double[requests];
        var next = -1;
        var errors = 0;
        var deadline = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(seconds);
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (deadline.Elapsed < limit)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= requests)
                {
                    return;
                }

                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await send();
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }

                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        });
        await Task.WhenAll(workers);
        var done = Math.Min(requests, next + 1);
        return new Result(name, done, errors, deadline.Elapsed.TotalSeconds, latencies[..done]);
    }

    private static async Task<string> SubmitAsync(HttpClient client, byte[] archive)
    {
        using var content = new ByteArrayContent(archive);
        content.Headers.ContentType = new("application/zip");
        var response = await client.PostAsync("/compile", content);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static byte[] SmallArchive() =>
        Archives.Zip([("load/cart.intent", Archives.Text("---\nroute: /cart\n---\nAs a customer I want a shopping cart with Stripe checkout; no MongoDB.\n"))]);
}
