using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Grump.Hyper.Api.Tests.Infrastructure;

/// <summary>
/// A real redis-server on a free loopback port for the whole test assembly, stopped by its process id at
/// the end. Each user takes its own database number, so tests never see each other's keys.
/// It fails loudly when redis-server cannot start: tests that need Redis are never skipped.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private static readonly string[] Candidates = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];
    private Process? _process;
    private string? _folder;
    private int _nextDatabase;

    public int Port { get; private set; }

    public int ProcessId => _process?.Id ?? 0;

    /// <summary>A connection string to a database no other test uses.</summary>
    public string NewDatabase()
    {
        var db = Interlocked.Increment(ref _nextDatabase);
        if (db > 63)
        {
            throw new InvalidOperationException("More than 63 Redis databases requested; raise 'databases' in the fixture.");
        }

        return $"127.0.0.1:{Port},defaultDatabase={db},abortConnect=false,connectTimeout=2000,syncTimeout=5000";
    }

    public async ValueTask InitializeAsync()
    {
        var binary = Candidates.FirstOrDefault(File.Exists) ?? FindOnPath("redis-server")
            ?? throw new InvalidOperationException("redis-server is not installed; run the README's test command (it installs it) or apt-get install redis-server.");
        Port = FreePort();
        _folder = Directory.CreateTempSubdirectory("grump-redis-").FullName;
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList = { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", _folder, "--databases", "64", "--maxmemory-policy", "noeviction", "--daemonize", "no", "--protected-mode", "yes" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var mux = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},connectTimeout=500");
                await mux.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Select(p => Path.Combine(p, name)).FirstOrDefault(File.Exists);
}
