using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grump.Hyper.Api.Tests.Infrastructure;

namespace Grump.Hyper.Api.Tests;

/// <summary>
/// The job page as a person meets it: opened in headless Chromium (Debian's <c>chromium</c>, which the test script
/// installs) from the service running as a process, the page's DOM read back after the browser has built it.
/// </summary>
public sealed class JobPageTests() : ServiceProcessTests("grump-page-")
{
    private async Task<string> FinishedJobAsync(byte[] archive, string query, CancellationToken ct)
    {
        using var client = new HttpClient { BaseAddress = Api.Address };
        using var content = new ByteArrayContent(archive);
        content.Headers.ContentType = new("application/gzip");
        using var response = await client.PostAsync("/compile" + query, content, ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
        await JobClient.WaitForFinishAsync(client, $"/jobs/{id}", ct);
        return id;
    }

    /// <summary>The page's DOM as headless Chromium built it.</summary>
    private async Task<string> BrowseAsync(string path, CancellationToken ct)
    {
        var run = await ToolRun.RunAsync("chromium", ["--headless", "--no-sandbox", "--disable-gpu", $"--user-data-dir={Path.Combine(Temp.Path, "profile")}",
            "--virtual-time-budget=2000", "--dump-dom", new Uri(Api.Address!, path).ToString()], TimeSpan.FromSeconds(60), ct);
        return run.Output;
    }

    [Fact]
    public async Task A_browser_gets_the_status_diagnostics_at_their_locations_modules_chunks_and_stages()
    {
        var ct = TestContext.Current.CancellationToken;
        var archive = Archives.TarGz([("p/a.intent", Archives.Text("---\ndepends: [missing]\n---\nBuild a cart.\n")), ("p/b.intent", Archives.Text("Users can browse a catalog."))]);
        var id = await FinishedJobAsync(archive, "?label=" + Uri.EscapeDataString("<b>nightly</b>"), ct);

        var dom = await BrowseAsync($"/jobs/{id}", ct);
        Assert.Contains($"<title>Job {id}: succeeded</title>", dom, StringComparison.Ordinal);
        Assert.Contains("<span id=\"status\">succeeded</span>", dom, StringComparison.Ordinal);
        Assert.Contains("<code>a.intent:2:11</code></td><td>error</td><td>GH1031</td>", dom, StringComparison.Ordinal);
        Assert.Contains("<h2>Modules (2)</h2>", dom, StringComparison.Ordinal);
        Assert.Contains("<code>modules/b.json</code>", dom, StringComparison.Ordinal);
        Assert.Matches("<h2>Chunks \\([1-9][0-9]*\\)</h2>", dom);
        Assert.Matches("<tr><td>compile</td><td>[0-9.]+ ms</td><td><span class=\"bar\"", dom);
        // The label the user sent is text on the page, never markup.
        Assert.Contains("&lt;b&gt;nightly&lt;/b&gt;", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>nightly</b>", dom, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clients_that_ask_for_json_still_get_json_and_the_page_is_locked_down()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await FinishedJobAsync(Archives.TarGz(Archives.ExampleFiles("shop")), "", ct);
        using var client = new HttpClient { BaseAddress = Api.Address };

        using var json = await client.GetAsync($"/jobs/{id}", ct);
        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{id}");
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"); // a browser's navigation
        using var page = await client.SendAsync(request, ct);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Matches("script-src 'nonce-[A-Za-z0-9+/=]+'", policy);
    }
}
