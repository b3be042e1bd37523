using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Grump.Hyper.Testing;

/// <summary>
/// A real redis-server on a free loopback port, stopped by its process id. Each user takes its own
/// database number, so users never see each other's keys. It fails loudly when redis-server cannot
/// start: what needs Redis is never skipped. A persistent server writes every command to its
/// append-only file before answering, so it can be killed and started again (same port, same folder)
/// without losing an acknowledged write.
/// </summary>
public class RedisServer : IAsyncDisposable
{
    /// <summary>Append-only file, fsync on every write: a kill loses nothing acknowledged.</summary>
    public bool Persistent { get; init; }

    private static readonly string[] Candidates = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];
    private Process? _process;
    private string? _folder;
    private int _nextDatabase;

    public int Port { get; private set; }

    /// <summary>A connection string to a database no other user of this server has.</summary>
    public string NewDatabase()
    {
        var db = Interlocked.Increment(ref _nextDatabase);
        if (db > 63)
        {
            throw new InvalidOperationException("More than 63 Redis databases requested; raise 'databases' in RedisServer.");
        }

        return $"127.0.0.1:{Port},defaultDatabase={db},abortConnect=false,connectTimeout=2000,syncTimeout=5000";
    }

    /// <summary>Starts the server; after <see cref="StopAsync"/>, starts it again on the same port and data.</summary>
    public async ValueTask StartAsync()
    {
        var binary = Candidates.FirstOrDefault(File.Exists) ?? FindOnPath("redis-server")
            ?? throw new InvalidOperationException("redis-server is not installed; run the README's test command (it installs it) or apt-get install redis-server.");
        if (Port == 0)
        {
            Port = FreePort();
            _folder = Directory.CreateTempSubdirectory("grump-redis-").FullName;
        }

        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "",
            "--dir", _folder!, "--databases", "64", "--maxmemory-policy", "noeviction", "--daemonize", "no", "--protected-mode", "yes"])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in Persistent ? (string[])["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"])
        {
            start.ArgumentList.Add(argument);
        }

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

    /// <summary>Kills the server (no shutdown save: only what is on disk already survives).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_folder is not null && Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }

        GC.SuppressFinalize(this); // not sealed: the API tests' assembly fixture derives from it
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
