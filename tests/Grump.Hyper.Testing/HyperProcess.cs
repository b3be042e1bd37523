using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Grump.Hyper.Testing;

/// <summary>
/// The service as a process of its own (the built Grump.Hyper.Api.dll): an API on a free loopback port,
/// or a worker (<c>--role worker</c>). Stopped by its process id; its last output lines are kept for
/// failure messages.
/// </summary>
public sealed class HyperProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _data;
    private readonly ConcurrentQueue<string> _output = new();

    private HyperProcess(Process process, string data, Uri? address)
    {
        _process = process;
        _data = data;
        Address = address;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The API's base address; null for a worker.</summary>
    public Uri? Address { get; }

    public int Id => _process.Id;

    /// <summary>The data folder the process was given.</summary>
    public string DataPath => _data;

    /// <summary>How this process names itself in metrics.json (machine and process id).</summary>
    public string WorkerName => $"{Environment.MachineName}:{_process.Id}";

    public bool HasExited => _process.HasExited;

    public string RecentOutput => string.Join('\n', _output);

    /// <summary>Starts an API process (role all, or api for HTTP only) and waits until it answers /healthz.</summary>
    public static Task<HyperProcess> StartApiAsync(IReadOnlyDictionary<string, string> settings, string role = "all")
    {
        var port = FreePort();
        return WaitUntilHealthyAsync(Start(settings, ["--role", role, "--urls", $"http://127.0.0.1:{port}"], new Uri($"http://127.0.0.1:{port}")));
    }

    /// <summary>
    /// Starts the service as the README's first command does (<c>dotnet run --project src/Grump.Hyper.Api</c>:
    /// its launch profile, so the Development environment), on the build the tests use and a free port.
    /// </summary>
    public static Task<HyperProcess> StartLikeReadmeAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Repository.Root };
        foreach (var argument in (string[])["run", "--project", "src/Grump.Hyper.Api", "-c", Configuration(), "--no-build", "--", "--urls", $"http://127.0.0.1:{port}"])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        return WaitUntilHealthyAsync(Launch(start, settings ?? new Dictionary<string, string>(), new Uri($"http://127.0.0.1:{port}")));
    }

    private static async Task<HyperProcess> WaitUntilHealthyAsync(HyperProcess api)
    {
        using var probe = new HttpClient { BaseAddress = api.Address };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await probe.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return api;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !api.HasExited)
            {
            }

            if (DateTime.UtcNow > deadline || api.HasExited)
            {
                var output = api.RecentOutput;
                await api.DisposeAsync();
                throw new InvalidOperationException("The API did not start:\n" + output);
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Starts a worker process (Hangfire servers only, no HTTP).</summary>
    public static HyperProcess StartWorker(IReadOnlyDictionary<string, string> settings) => Start(settings, ["--role", "worker"], null);

    private static HyperProcess Start(IReadOnlyDictionary<string, string> settings, string[] arguments, Uri? address)
    {
        var dll = Path.Combine(Repository.Root, "src", "Grump.Hyper.Api", "bin", Configuration(), "net10.0", "Grump.Hyper.Api.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("Build the solution first: " + dll);
        }

        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(dll)! };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // As `dotnet run` starts it (launchSettings): Development validates the container on build.
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        return Launch(start, settings, address);
    }

    private static HyperProcess Launch(ProcessStartInfo start, IReadOnlyDictionary<string, string> settings, Uri? address)
    {
        var data = settings.TryGetValue("Hyper__DataPath", out var given) ? given : Directory.CreateTempSubdirectory("grump-process-").FullName;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment["Hyper__DataPath"] = data;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        return new HyperProcess(Process.Start(start)!, data, address) { OwnsData = !settings.ContainsKey("Hyper__DataPath") };
    }

    /// <summary>False when the caller gave the data folder (a restart test keeps it across processes).</summary>
    private bool OwnsData { get; init; }

    /// <summary>Kills the process at once, as a crash or an OOM kill would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        if (OwnsData && Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 200 && _output.TryDequeue(out _))
        {
        }
    }

    private static string Configuration() =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
