using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Grump.Hyper.Api.Auth;
using Grump.Hyper.Api.Tests.Infrastructure;

namespace Grump.Hyper.Api.Tests;

/// <summary>
/// Upload only what is missing: ask, upload the missing blobs (one or as an archive), compile from a JSON
/// manifest; on the data folder and on Redis, scoped per tenant, every blob verified against its address.
/// </summary>
public sealed class BlobUploadTests(RedisFixture redis)
{
    private const string KeyA = "key-of-tenant-a-0123456789";
    private const string KeyB = "key-of-tenant-b-0123456789";

    private static HyperApiFactory Factory(string? redisConnection) => new()
    {
        Redis = redisConnection,
        Settings = new Dictionary<string, string?>
        {
            ["Auth:Tenants:a:ApiKeySha256:0"] = TenantDirectory.Hash(KeyA),
            ["Auth:Tenants:b:ApiKeySha256:0"] = TenantDirectory.Hash(KeyB),
        },
    };

    private static HttpClient Client(HyperApiFactory factory, string key)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static async Task<string[]> MissingAsync(HttpClient client, IEnumerable<string> digests, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync("/blobs/missing", new { digests = digests.ToArray() }, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("missing").EnumerateArray().Select(e => e.GetString()!)];
    }

    private static async Task<HttpResponseMessage> PutAsync(HttpClient client, string sha, byte[] bytes, CancellationToken ct)
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/octet-stream");
        return await client.PutAsync($"/blobs/{sha}", content, ct);
    }

    /// <summary>The manifest to POST /compile (which takes it too) or, with <paramref name="route"/>, to its own operation.</summary>
    private static Task<HttpResponseMessage> CompileAsync(HttpClient client, IEnumerable<(string Path, byte[] Bytes)> files, CancellationToken ct, string route = "/compile") =>
        client.PostAsJsonAsync(route, new { files = files.Select(f => new { path = f.Path, sha256 = Sha(f.Bytes), size = f.Bytes.Length }).ToArray(), tier = "aggressive" }, ct);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_manifest_of_uploaded_blobs_compiles_to_the_artifacts_of_the_same_archive(bool onRedis)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = Factory(onRedis ? redis.NewDatabase() : null);
        var client = Client(factory, KeyA);
        var files = Archives.ExampleFiles("shop");

        Assert.Equal(files.Select(f => Sha(f.Content)).Distinct().Order(), (await MissingAsync(client, files.Select(f => Sha(f.Content)), ct)).Order());
        // Half one by one, the rest as one archive of entries named by their digests.
        foreach (var (_, bytes) in files.Take(files.Count / 2))
        {
            using var put = await PutAsync(client, Sha(bytes), bytes, ct);
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        using var batch = new ByteArrayContent(Archives.TarGz(files.Skip(files.Count / 2).Select(f => (Sha(f.Content), f.Content))));
        batch.Headers.ContentType = new("application/gzip");
        using var stored = await client.PostAsync("/blobs", batch, ct);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Empty(await MissingAsync(client, files.Select(f => Sha(f.Content)), ct));

        using var fromManifest = await CompileAsync(client, files, ct, onRedis ? "/compile/manifest" : "/compile");
        Assert.Equal(HttpStatusCode.Accepted, fromManifest.StatusCode);
        var manifestJob = await JobClient.WaitForFinishAsync(client, fromManifest.Headers.Location!.ToString(), ct);
        using var fromArchive = await JobClient.SubmitAsync(client, Archives.TarGz(files), "shop.tar.gz", "aggressive", ct);
        var archiveJob = await JobClient.WaitForFinishAsync(client, fromArchive.Headers.Location!.ToString(), ct);
        Assert.Equal("succeeded", manifestJob.GetProperty("status").GetString());

        var fromBlobs = await client.GetFromJsonAsync<JsonElement>($"/jobs/{manifestJob.GetProperty("id").GetString()}/artifacts", ct);
        var fromUpload = await client.GetFromJsonAsync<JsonElement>($"/jobs/{archiveJob.GetProperty("id").GetString()}/artifacts", ct);
        static string[] Hashes(JsonElement listing) => [.. listing.EnumerateArray().Where(a => a.GetProperty("path").GetString() != "metrics.json").Select(a => a.GetProperty("path").GetString() + " " + a.GetProperty("sha256").GetString())];
        Assert.Equal(Hashes(fromUpload), Hashes(fromBlobs));
    }

    [Fact]
    public async Task A_tenant_is_never_told_it_has_another_tenants_blobs_nor_compiles_from_them()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = Factory(null);
        var a = Client(factory, KeyA);
        var b = Client(factory, KeyB);
        var bytes = "Build a secret cart.\n"u8.ToArray();
        using (var put = await PutAsync(a, Sha(bytes), bytes, ct))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        Assert.Empty(await MissingAsync(a, [Sha(bytes)], ct));
        Assert.Equal([Sha(bytes)], await MissingAsync(b, [Sha(bytes)], ct));
        using var refused = await CompileAsync(b, [("a.intent", bytes)], ct);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal("urn:grump-hyper:problem:blobs-missing", problem.GetProperty("type").GetString());
        Assert.Equal(Sha(bytes), problem.GetProperty("missing")[0].GetString());
    }

    [Fact]
    public async Task Blobs_that_do_not_match_their_address_and_bad_manifests_are_refused_with_problems()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = Factory(null);
        var client = Client(factory, KeyA);
        var bytes = "Build a cart.\n"u8.ToArray();

        using (var wrong = await PutAsync(client, Sha("other"u8.ToArray()), bytes, ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
            Assert.Contains("blob-digest-mismatch", await wrong.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        using var misnamed = new ByteArrayContent(Archives.TarGz([(Sha("other"u8.ToArray()), bytes)]));
        misnamed.Headers.ContentType = new("application/gzip");
        using (var batch = await client.PostAsync("/blobs", misnamed, ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, batch.StatusCode);
        }

        using (var put = await PutAsync(client, Sha(bytes), bytes, ct))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        using (var traversal = await CompileAsync(client, [("../escape.intent", bytes)], ct))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, traversal.StatusCode);
            Assert.Contains("archive-path-traversal", await traversal.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        using (var twice = await CompileAsync(client, [("a.intent", bytes), ("a.intent", bytes)], ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
            Assert.Contains("duplicate-path", await twice.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        using var notDigests = await client.PostAsJsonAsync("/blobs/missing", new { digests = new[] { "XYZ" } }, ct);
        Assert.Equal(HttpStatusCode.BadRequest, notDigests.StatusCode);

        // POST /compile/manifest takes the JSON manifest only: an archive sent there is a 415 problem, not a job.
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Archives.TarGz([("a.intent", bytes)])), "archive", "a.tar.gz" } };
        using var archiveToManifest = await client.PostAsync("/compile/manifest", form, ct);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, archiveToManifest.StatusCode);
        Assert.Contains("unsupported-media-type", await archiveToManifest.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }
}
