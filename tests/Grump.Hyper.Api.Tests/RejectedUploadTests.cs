using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grump.Hyper.Api.Tests.Infrastructure;

namespace Grump.Hyper.Api.Tests;

/// <summary>Bad uploads get a problem response and leave nothing behind.</summary>
public sealed class RejectedUploadTests : IAsyncLifetime
{
    private readonly HyperApiFactory _factory = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    public static TheoryData<string, byte[], string, HttpStatusCode> BadArchives => new()
    {
        { "malformed zip", [.. "PK\u0003\u0004"u8, .. new byte[200]], "archive-malformed", HttpStatusCode.BadRequest },
        { "traversal", Archives.Zip([("shop/ok.intent", Archives.Text("Build a cart.")), ("../evil.intent", Archives.Text("Build a cart."))]), "archive-path-traversal", HttpStatusCode.UnprocessableEntity },
        { "absolute", Archives.TarGz([("/etc/cron.d/evil.intent", Archives.Text("x"))]), "archive-absolute-path", HttpStatusCode.UnprocessableEntity },
        { "not an archive", Archives.Text("just some text, not an archive at all"), "archive-unsupported-format", HttpStatusCode.UnsupportedMediaType },
    };

    [Theory]
    [MemberData(nameof(BadArchives))]
    public async Task A_bad_archive_gets_its_problem_and_stores_nothing(string name, byte[] archive, string code, HttpStatusCode status)
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var before = _factory.StoredFiles();

        var response = await JobClient.SubmitAsync(client, archive, name + ".bin", cancellationToken: ct);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal("urn:grump-hyper:problem:" + code, problem.GetProperty("type").GetString());
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.Equal(before, _factory.StoredFiles());
    }

    [Fact]
    public async Task A_missing_archive_field_an_unknown_tier_and_a_text_body_are_problems()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();

        using var noArchive = new MultipartFormDataContent { { new StringContent("balanced"), "tier" } };
        var missing = await client.PostAsync("/compile", noArchive, ct);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("archive-missing", (await missing.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("code").GetString());

        var badTier = await JobClient.SubmitAsync(client, Archives.Zip(Archives.ExampleFiles("shop")), "shop.zip", "ludicrous", ct);
        Assert.Equal(HttpStatusCode.BadRequest, badTier.StatusCode);
        Assert.Equal("invalid-tier", (await badTier.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("code").GetString());

        var text = await client.PostAsync("/compile", new StringContent("hello"), ct);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Empty(_factory.StoredFiles());
    }

    [Fact]
    public async Task An_archive_over_the_size_limit_is_a_413_problem()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var small = new HyperApiFactory { Settings = new Dictionary<string, string?> { ["Hyper:Limits:MaxArchiveBytes"] = "2048" } };
        var client = small.CreateClient();
        var noise = new byte[64 * 1024];
        new Random(42).NextBytes(noise); // incompressible, so the archive itself is over the limit
        var big = Archives.Zip([("a.intent", noise)]);
        using var content = new ByteArrayContent(big);
        content.Headers.ContentType = new("application/zip");

        var response = await client.PostAsync("/compile", content, ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal("archive-too-large", problem.GetProperty("code").GetString());
        Assert.Equal(2048, problem.GetProperty("limit").GetInt64());
        Assert.Empty(small.StoredFiles());
    }
}
