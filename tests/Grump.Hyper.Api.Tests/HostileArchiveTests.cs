using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grump.Hyper.Api.Tests.Infrastructure;
using StackExchange.Redis;

namespace Grump.Hyper.Api.Tests;

/// <summary>Every hostile archive class over HTTP: its status and problem type, nothing stored, the service still healthy.</summary>
public sealed class HostileArchiveTests : IAsyncLifetime
{
    private readonly HyperApiFactory _files = new() { Settings = HostileArchives.Limits };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _files.DisposeAsync();

    public static TheoryData<string, byte[], HttpStatusCode, string> Cases => HostileArchives.All;

    internal static async Task AssertRefusedAsync(HttpClient client, string name, byte[] archive, HttpStatusCode status, string code, CancellationToken ct)
    {
        using var content = new ByteArrayContent(archive);
        content.Headers.ContentType = new("application/zip");
        var response = await client.PostAsync("/compile", content, ct);
        Assert.True(status == response.StatusCode, $"{name}: expected {status}, got {response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal("urn:grump-hyper:problem:" + code, problem.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_hostile_archive_gets_its_problem_and_leaves_no_file(string name, byte[] archive, HttpStatusCode status, string code)
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _files.CreateClient();
        await AssertRefusedAsync(client, name, archive, status, code, ct);
        Assert.Empty(_files.StoredFiles());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz", ct)).StatusCode);
    }

}

/// <summary>The same corpus against a Redis-backed service: no key is left behind.</summary>
public sealed class HostileArchiveRedisTests(RedisFixture redis)
{
    [Fact]
    public async Task With_redis_the_whole_corpus_leaves_no_key_and_the_service_still_compiles()
    {
        var ct = TestContext.Current.CancellationToken;
        var connection = redis.NewDatabase();
        await using var host = new HyperApiFactory { Redis = connection, Settings = HostileArchives.Limits };
        var client = host.CreateClient();
        using var mux = await ConnectionMultiplexer.ConnectAsync(connection);
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        var db = mux.GetDatabase().Database;
        var before = server.Keys(db, "grump:*").Count();

        foreach (var row in HostileArchives.All)
        {
            var data = ((ITheoryDataRow)row).GetData();
            await HostileArchiveTests.AssertRefusedAsync(client, (string)data[0]!, (byte[])data[1]!, (HttpStatusCode)data[2]!, (string)data[3]!, ct);
        }

        Assert.Equal(before, server.Keys(db, "grump:*").Count());
        var ok = await JobClient.SubmitAsync(client, Archives.Zip(Archives.ExampleFiles("shop")), "shop.zip", cancellationToken: ct);
        Assert.Equal("succeeded", (await JobClient.WaitForFinishAsync(client, ok.Headers.Location!.ToString(), ct)).GetProperty("status").GetString());
    }
}

/// <summary>Uploads never touch the disk outside the data folder: the form reader keeps archives in memory.</summary>
public sealed class UploadSpillTests
{
    [Fact]
    public async Task A_large_multipart_upload_leaves_no_temporary_file()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new HyperApiFactory();
        var temp = Environment.GetEnvironmentVariable("ASPNETCORE_TEMP") ?? Path.GetTempPath();
        string[] Spilled() => Directory.GetFiles(temp, "ASPNETCORE_*");
        var before = Spilled();
        var noise = new byte[400_000];
        new Random(3).NextBytes(noise);

        var response = await JobClient.SubmitAsync(host.CreateClient(), Archives.Zip([("p/a.intent", "Build a cart."u8.ToArray()), ("p/noise.bin", noise)]), "big.zip", cancellationToken: ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(before, Spilled());
    }
}
