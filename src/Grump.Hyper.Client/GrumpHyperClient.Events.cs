using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;

namespace Grump.Hyper.Client;

/// <summary>
/// The one operation the generator cannot call usefully: <c>GET /jobs/{id}/events</c> streams Server-Sent Events
/// (NSwag reads the whole body and returns nothing). Written by hand beside the generated code, on the same
/// HttpClient and JSON settings, with the runtime's SSE parser.
/// </summary>
public partial class GrumpHyperClient
{
    /// <summary>
    /// The job's events until its end event (job.succeeded, job.failed or job.cancelled), each with the job as
    /// <c>GET /jobs/{id}</c> shows it. A stream that closes before the end (the service caps a stream's length, or
    /// restarted) is opened again with <c>Last-Event-ID</c>, so nothing is shown twice and nothing is missed.
    /// </summary>
    public async IAsyncEnumerable<(string Event, JobView Job)> FollowJobAsync(string id, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var last = 0;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "jobs/" + Uri.EscapeDataString(id) + "/events");
            request.Headers.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (last > 0)
            {
                request.Headers.Add("Last-Event-ID", last.ToString(CultureInfo.InvariantCulture));
            }

            using var response = await _httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                // The refusal as the generated operations report it (a problem document for 404, 401, 429).
                await GetJobAsync(id, null!, cancellationToken).ConfigureAwait(false);
                throw new ApiException("The events stream was refused.", (int)response.StatusCode, null, new Dictionary<string, IEnumerable<string>>(), null);
            }

            using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var parser = SseParser.Create(stream, (_, data) => System.Text.Json.JsonSerializer.Deserialize<JobView>(data, JsonSerializerSettings)!);
            await foreach (var item in parser.EnumerateAsync(cancellationToken).ConfigureAwait(false))
            {
                last = int.TryParse(item.EventId, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : last;
                yield return (item.EventType, item.Data);
                if (item.Data.Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled)
                {
                    yield break;
                }
            }
        }
    }
}
