using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Grump.Hyper.Api.Tests.Infrastructure;

/// <summary>Submits archives and follows jobs the way a client does: by polling with a deadline.</summary>
public static class JobClient
{
    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, byte[] archive, string fileName, string? tier = null, CancellationToken cancellationToken = default)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(archive), "archive", fileName);
        if (tier is not null)
        {
            form.Add(new StringContent(tier), "tier");
        }

        return await client.PostAsync("/compile", form, cancellationToken);
    }

    public static async Task<JsonElement> WaitForFinishAsync(HttpClient client, string location, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var response = await client.GetAsync(location, cancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var job = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            var status = job.GetProperty("status").GetString();
            if (status is "succeeded" or "failed" or "cancelled")
            {
                return job;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Job {location} did not finish within the deadline; last status {status}.");
            }

            await Task.Delay(50, cancellationToken);
        }
    }
}
