using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Grump.Hyper.Benchmarks;

/// <summary>
/// The service path on its embedded defaults (in-memory Hangfire, a data folder), as a user meets it:
/// the service as its own process, a generated project uploaded as tar.gz (GNU format, as <c>tar czf</c> and the
/// CLI write it; <c>--tar pax</c> for .NET's PAX with a timestamp header per file), timed from the start of the
/// POST to the job's succeeded status, for a cold submission, the same upload again, and a 1% edit.
/// Bytes written are the growth of the data folder, so content stored once is counted once.
/// </summary>
internal static partial class ServiceBenchmark
{
    private sealed record Run(string Name, double PostMs, double TotalMs, long BytesWritten, long UploadBytes, Runtime? Spent = null);

    /// <summary>The service's own runtime counters (its /metrics), so a run's GC pauses and JIT time are seen beside its time.</summary>
    private sealed record Runtime(double GcPauseMs, long Gen0, long Gen1, long Gen2, double JitMs, long JitMethods, long HeapBytes, long Allocated)
    {
        /// <summary>The counters' growth since <paramref name="o"/>; the heap is this one's (after the last collection).</summary>
        public Runtime Minus(Runtime o) => new(GcPauseMs - o.GcPauseMs, Gen0 - o.Gen0, Gen1 - o.Gen1, Gen2 - o.Gen2, JitMs - o.JitMs, JitMethods - o.JitMethods, HeapBytes, Allocated - o.Allocated);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"allocated {Allocated / 1048576.0:0} MiB, GC paused {GcPauseMs:0} ms (collections gen0 {Gen0}, gen1 {Gen1}, gen2 {Gen2}; heap after the last {HeapBytes / 1048576.0:0} MiB), JIT {JitMs:0} ms ({JitMethods} methods)");
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var files = (int)Args.Get(args, "--files", 10_000);
        var changed = Args.Get(args, "--changed", 0.01);
        var tier = args.SkipWhile(a => a != "--tier").Skip(1).FirstOrDefault() ?? "aggressive";
        var project = ProjectGenerator.Generate(files, seed: 42);
        var edited = ProjectGenerator.Change(project, changed, seed: 7);
        var format = args.SkipWhile(a => a != "--tar").Skip(1).FirstOrDefault() == "pax" ? System.Formats.Tar.TarEntryFormat.Pax : System.Formats.Tar.TarEntryFormat.Gnu;
        byte[] TarGz(IEnumerable<Grump.Hyper.Compiler.Modules.SourceFile> sources) => Archives.TarGz(format, sources);
        var cold = TarGz(project);
        var edit = TarGz(edited);
        Console.WriteLine($"service benchmark: {files} files, tier {tier}, embedded defaults, {Environment.ProcessorCount} cores, loopback only, {format} tar.gz");

        var settings = new Dictionary<string, string>
        {
            ["Hyper__Limits__MaxEntries"] = (files + 10).ToString(CultureInfo.InvariantCulture),
        };

        // --documents whole|blocks: how the service stores plan.json, graph.json and manifest.json (its default otherwise).
        if (args.SkipWhile(a => a != "--documents").Skip(1).FirstOrDefault() is { } documents)
        {
            settings["Hyper__DocumentBlocks"] = (documents == "blocks").ToString();
            Console.WriteLine($"  documents stored {documents}");
        }

        await using var api = await HyperProcess.StartApiAsync(settings);
        using var client = new HttpClient { BaseAddress = api.Address, Timeout = TimeSpan.FromMinutes(10) };

        // The service runs for days: the runs below measure its caches and its incremental pipeline, not the JIT.
        // So a fresh process first compiles another project (its own name, so no memo is shared) cold, unchanged
        // and edited (a fresh process is issue 13's measure: the cold-process benchmark). The service compiles each
        // method optimised the first time (no tiering, round 28), so these builds pay the JIT for the measured runs;
        // with tiering, three builds did not bring the code to its optimised tier (the cold job's compile stage took
        // 1.6-2.3 s after them and 0.5-0.8 s after 60 more edits, round 27).
        var other = ProjectGenerator.Generate(Math.Min(files, 2_000), seed: 5)
            .Select(f => f.Path == "grump.json" ? new Grump.Hyper.Compiler.Modules.SourceFile(f.Path, System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(f.Content.Span).Replace("\"generated\"", "\"warm-up\"", StringComparison.Ordinal))) : f)
            .ToList();
        var warm = new List<Run>
        {
            await SubmitAsync(client, api.DataPath, "warm-up", TarGz(other), tier, quiet: true),
            await SubmitAsync(client, api.DataPath, "warm-up", TarGz(other), tier, quiet: true),
            await SubmitAsync(client, api.DataPath, "warm-up", TarGz(ProjectGenerator.Change(other, changed, seed: 6)), tier, quiet: true),
        };
        // --warm-edits N: N more edits of that project before the measured runs: the service after many jobs (its
        // caches, its data folder; with tiering, round 27, also code run once per build reaching its optimised tier).
        var edits = (int)Args.Get(args, "--warm-edits", 0);
        var lastEdit = 0.0;
        for (var i = 0; i < edits; i++)
        {
            lastEdit = (await SubmitAsync(client, api.DataPath, "warm-up", TarGz(ProjectGenerator.Change(other, changed, seed: 100 + i)), tier, quiet: true)).TotalMs;
        }

        var more = edits > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {edits} more edits, the last {lastEdit:0} ms") : "";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  warm-up (a fresh process, another project of {other.Count} files): cold {warm[0].TotalMs:0} ms, unchanged {warm[1].TotalMs:0} ms, {changed:P0} edit {warm[2].TotalMs:0} ms{more}"));
        var runs = new List<Run>
        {
            await SubmitAsync(client, api.DataPath, "cold", cold, tier),
            await SubmitAsync(client, api.DataPath, "unchanged", cold, tier),
            await SubmitAsync(client, api.DataPath, $"{changed:P0} edit", edit, tier),
        };
        foreach (var run in runs)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {run.Name,-10} upload {run.UploadBytes / 1048576.0:0.0} MiB: POST {run.PostMs:0} ms, POST to succeeded {run.TotalMs:0} ms, wrote {run.BytesWritten / 1048576.0:0.00} MiB; {run.Spent}"));
        }

        var (c, u, e) = (runs[0], runs[1], runs[2]);
        await MissingBlobsEditAsync(api.Address!, ProjectGenerator.Change(project, changed, seed: 8), changed, tier);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"service: unchanged resubmission vs cold = {c.TotalMs / u.TotalMs:0.0}x (wrote {u.BytesWritten / 1048576.0:0.00} MiB); {runs[2].Name} vs cold = {c.TotalMs / e.TotalMs:0.0}x"));
        return 0;
    }

    /// <summary>
    /// Another edit of the same size submitted as users do it with the CLI: a fresh <c>grump-hyper submit --wait</c>
    /// process on the project folder, which uploads only the blobs the service lacks. Prints what it sent.
    /// </summary>
    private static async Task MissingBlobsEditAsync(Uri service, List<Grump.Hyper.Compiler.Modules.SourceFile> edited, double changed, string tier)
    {
        using var folder = new TempFolder("grump-bench-edit-");
        foreach (var file in edited)
        {
            var path = Path.Combine(folder.Path, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, file.Content.ToArray());
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[Repository.File("src", "Grump.Hyper.Cli", "bin", "Release", "net10.0", "grump-hyper.dll"), "submit", folder.Path, "--url", service.ToString(), "--wait", "--tier", tier])
        {
            start.ArgumentList.Add(argument);
        }

        var clock = Stopwatch.StartNew();
        using var cli = Process.Start(start)!;
        var stderr = cli.StandardError.ReadToEndAsync();
        await cli.StandardOutput.ReadToEndAsync();
        await cli.WaitForExitAsync();
        var sent = Sent().Match(await stderr);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {changed:P0} edit through the CLI (a fresh process, only missing blobs uploaded): exit {cli.ExitCode}, {(sent.Success ? sent.Groups[1].Value : "?")}, submit to succeeded {clock.Elapsed.TotalMilliseconds:0} ms"));
    }

    private static async Task<Run> SubmitAsync(HttpClient client, string data, string name, byte[] archive, string tier, bool quiet = false)
    {
        var before = FolderBytes(data);
        var counters = quiet ? null : await RuntimeOfAsync(client);
        var clock = Stopwatch.StartNew();
        using var content = new ByteArrayContent(archive);
        content.Headers.ContentType = new("application/gzip");
        using var response = await client.PostAsync($"/compile?tier={tier}", content);
        var post = clock.Elapsed.TotalMilliseconds;
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{name}: {(int)response.StatusCode} {body}");
        }

        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString();
        var seen = new List<string>();
        string? lastStage = null;
        while (true)
        {
            var job = await client.GetFromJsonAsync<JsonElement>($"/jobs/{id}");
            var status = job.GetProperty("status").GetString();
            var stage = job.TryGetProperty("progress", out var p) && p.TryGetProperty("stage", out var s) ? $"{status}/{s.GetString()}" : status;
            if ((stage ?? status) != lastStage)
            {
                // When the job view first showed each stage: where the time between the POST and the end goes.
                lastStage = stage ?? status;
                seen.Add(string.Create(CultureInfo.InvariantCulture, $"{lastStage} at {clock.Elapsed.TotalMilliseconds:0} ms"));
            }

            if (status == "succeeded")
            {
                break;
            }

            if (status is "failed" or "cancelled" || clock.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new InvalidOperationException($"{name}: job {id} ended {status}");
            }

            await Task.Delay(10);
        }

        var total = clock.Elapsed.TotalMilliseconds;
        if (quiet)
        {
            return new Run(name, post, total, 0, archive.Length);
        }

        Console.WriteLine($"  {name,-10} job view: " + string.Join(", ", seen));

        // The engine's own stage times for the job, so the time between the POST and the build is visible too.
        var metrics = await client.GetFromJsonAsync<JsonElement>($"/jobs/{id}/artifacts/metrics.json");
        if (metrics.TryGetProperty("stages", out var stages) && stages.ValueKind == JsonValueKind.Array)
        {
            Console.WriteLine($"  {name,-10} engine: " + string.Join(", ", stages.EnumerateArray().Select(s =>
                string.Create(CultureInfo.InvariantCulture, $"{s.GetProperty("name").GetString()} {s.GetProperty("milliseconds").GetDouble():0} ms")))
                + string.Create(CultureInfo.InvariantCulture, $"; total {metrics.GetProperty("totalMilliseconds").GetDouble():0} ms"));
        }

        return new Run(name, post, total, FolderBytes(data) - before, archive.Length, (await RuntimeOfAsync(client)).Minus(counters!));
    }

    /// <summary>Reads the service's GC and JIT counters from its Prometheus text (the runtime's meter, through OpenTelemetry).</summary>
    private static async Task<Runtime> RuntimeOfAsync(HttpClient client)
    {
        var (pause, jit, methods, heap, allocated) = (0.0, 0.0, 0L, 0L, 0L);
        var gens = new long[3];
        foreach (var line in (await client.GetStringAsync("/metrics")).Split('\n'))
        {
            var space = line.LastIndexOf(' ');
            if (line.StartsWith('#') || space < 0 ||
                !double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            if (line.StartsWith("dotnet_gc_pause_time_seconds_total", StringComparison.Ordinal))
            {
                pause += value * 1000;
            }
            else if (line.StartsWith("dotnet_jit_compilation_time_seconds_total", StringComparison.Ordinal))
            {
                jit += value * 1000;
            }
            else if (line.StartsWith("dotnet_gc_heap_total_allocated_bytes_total", StringComparison.Ordinal))
            {
                allocated += (long)value;
            }
            else if (line.StartsWith("dotnet_gc_last_collection_heap_size_bytes", StringComparison.Ordinal))
            {
                heap += (long)value;
            }
            else if (line.StartsWith("dotnet_jit_compiled_methods_total", StringComparison.Ordinal))
            {
                methods += (long)value;
            }
            else if (line.StartsWith("dotnet_gc_collections_total", StringComparison.Ordinal) && line.IndexOf("=\"gen", StringComparison.Ordinal) is var at and >= 0 &&
                     at + 5 < line.Length && line[at + 5] is >= '0' and <= '2')
            {
                gens[line[at + 5] - '0'] += (long)value;
            }
        }

        return new Runtime(pause, gens[0], gens[1], gens[2], jit, methods, heap, allocated);
    }

    private static long FolderBytes(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    [System.Text.RegularExpressions.GeneratedRegex(@"\(([\d,]+ of [\d,]+ files uploaded, [\d,]+ of [\d,]+ bytes)\)")]
    private static partial System.Text.RegularExpressions.Regex Sent();
}
