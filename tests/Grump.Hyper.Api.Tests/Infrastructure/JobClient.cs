using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Grump.Hyper.Api.Tests.Infrastructure;

/// <summary>Submits archives and follows jobs the way a client does: by polling with a deadline.</summary>
public static class JobClient
{
    public static Task<HttpResponseMessage> SubmitAsync(HttpClient client, byte[] archive, string fileName, string? tier = null, CancellationToken cancellationToken = default) =>
        SubmitAsync(client, archive, fileName, tier, label: null, cancellationToken);

    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, byte[] archive, string fileName, string? tier, string? label, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(archive), "archive", fileName);
        if (tier is not null)
        {
            form.Add(new StringContent(tier), "tier");
        }

        if (label is not null)
        {
            form.Add(new StringContent(label), "label");
        }

        return await client.PostAsync("/compile", form, cancellationToken);
    }

    /// <summary>Submits <paramref name="archive"/>, requires the job to succeed, and lists its artifacts.</summary>
    public static async Task<(string Id, JsonElement[] Artifacts)> BuildAsync(HttpClient client, byte[] archive, string tier, CancellationToken cancellationToken)
    {
        var response = await SubmitAsync(client, archive, "shop.tar.gz", tier, cancellationToken);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetString()!;
        Assert.Equal("succeeded", (await WaitForFinishAsync(client, $"/jobs/{id}", cancellationToken)).GetProperty("status").GetString());
        var list = await client.GetFromJsonAsync<JsonElement>($"/jobs/{id}/artifacts", cancellationToken);
        return (id, [.. list.EnumerateArray()]);
    }

    /// <summary>The artifact entries that two builds of the same inputs share byte for byte: all but metrics.json (timings).</summary>
    public static IEnumerable<string> Deterministic(JsonElement[] artifacts) =>
        artifacts.Where(a => a.GetProperty("path").GetString() != "metrics.json").Select(a => a.GetRawText());

    public static Task<JsonElement> WaitForFinishAsync(HttpClient client, string location, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        Grump.Hyper.Testing.Poll.UntilAsync(
            async () =>
            {
                var response = await client.GetAsync(location, cancellationToken);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            },
            job => job.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled",
            timeout ?? TimeSpan.FromSeconds(60),
            job => $"Job {location} did not finish within the deadline; last status {job.GetProperty("status").GetString()}.",
            cancellationToken);
}
