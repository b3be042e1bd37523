using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Compiler.Emit;

namespace Grump.Hyper.Api.Endpoints;

/// <summary>
/// <c>GET /jobs/{id}</c> for people (a browser asks for <c>text/html</c>): the job's status, its diagnostics at
/// their locations, modules, chunks and a timeline of its stages, laid out on the server. While the job runs, a
/// few lines of script follow <c>/jobs/{id}/events</c> and reload the page when it ends. Everything the user
/// uploaded is HTML-encoded, and a Content-Security-Policy allows only this page's own nonce-marked script.
/// </summary>
internal static class JobHtmlPage
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>True when the request prefers HTML to JSON (a browser's navigation does; API clients send application/json or nothing).</summary>
    public static bool Wanted(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        double Quality(string type) => accept.Where(a => a.MediaType.Equals(type, StringComparison.OrdinalIgnoreCase)).Select(a => a.Quality ?? 1).DefaultIfEmpty(0).Max();
        var html = Quality("text/html");
        return html > 0 && html >= Quality("application/json");
    }

    public static async Task<IResult> RenderAsync(JobRecord job, IArtifactStore artifacts, HttpContext http, CancellationToken cancellationToken)
    {
        var finished = JobStatus.IsFinished(job.Status);
        var listing = finished ? await artifacts.ListArtifactsAsync(job.Id, cancellationToken) ?? [] : [];
        var diagnostics = listing.FirstOrDefault(a => a.Path == ArtifactSet.Diagnostics) is { } entry && await artifacts.ReadArtifactAsync(entry, cancellationToken) is { } bytes
            ? JsonSerializer.Deserialize<List<DiagnosticEntry>>(bytes, Web) ?? []
            : [];
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        http.Response.Headers.ContentSecurityPolicy = $"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; connect-src 'self'";
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Content(Html(job, listing, diagnostics, nonce), "text/html; charset=utf-8");
    }

    internal static string Html(JobRecord job, IReadOnlyList<ArtifactInfo> listing, IReadOnlyList<DiagnosticEntry> diagnostics, string nonce)
    {
        var e = HtmlEncoder.Default;
        var html = new StringBuilder();
        void Add(FormattableString text) => html.Append(string.Format(CultureInfo.InvariantCulture, text.Format, text.GetArguments()));
        string Time(DateTimeOffset? at) => at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "–";

        Add($"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Job {e.Encode(job.Id)}: {e.Encode(job.Status)}</title>\n");
        html.Append("<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}td,th{padding:.2em .8em;text-align:left;border-bottom:1px solid #ddd}")
            .Append(".error{color:#b00}.warning{color:#a60}.bar{background:#48c;height:.9em;display:inline-block}code{font-size:13px}</style></head><body>\n");
        Add($"<h1>Job <code>{e.Encode(job.Id)}</code>: <span id=\"status\">{e.Encode(job.Status)}</span></h1>\n<table id=\"summary\">");
        foreach (var (name, value) in new (string, string)[]
        {
            ("tier", job.Tier), ("label", job.Label ?? "–"), ("stage", job.Stage), ("files", $"{job.FilesDone} of {job.FilesTotal}"),
            ("created", Time(job.CreatedAt)), ("started", Time(job.StartedAt)), ("finished", Time(job.FinishedAt)),
            ("result", job.Success is null ? "–" : $"{job.Errors} errors, {job.Warnings} warnings"), ("failure", job.FailureReason ?? "–"),
        })
        {
            Add($"<tr><th>{name}</th><td>{e.Encode(value)}</td></tr>");
        }

        html.Append("</table>\n");
        Add($"<h2>Diagnostics ({diagnostics.Count})</h2>\n<table id=\"diagnostics\">");
        foreach (var d in diagnostics)
        {
            Add($"<tr class=\"{(d.Severity == "error" ? "error" : "warning")}\"><td><code>{e.Encode(d.File)}:{d.Line}:{d.Column}</code></td><td>{e.Encode(d.Severity)}</td><td>{e.Encode(d.Code)}</td><td>{e.Encode(d.Message)}</td></tr>");
        }

        html.Append("</table>\n");
        if (job.Metrics is { } metrics)
        {
            var longest = Math.Max(1, metrics.Stages.Max(s => s.Milliseconds));
            html.Append("<h2>Stages</h2>\n<table id=\"stages\">");
            foreach (var stage in metrics.Stages)
            {
                Add($"<tr><td>{e.Encode(stage.Name)}</td><td>{stage.Milliseconds:0.0} ms</td><td><span class=\"bar\" style=\"width:{Math.Max(1, 30 * stage.Milliseconds / longest):0.##}em\"></span></td></tr>");
            }

            html.Append("</table>\n");
        }

        Section(html, "Modules", "modules", listing.Where(a => a.Path.StartsWith("modules/", StringComparison.Ordinal)), e);
        Section(html, "Chunks", "chunks", listing.Where(a => a.Path.StartsWith("chunks/", StringComparison.Ordinal)), e);
        if (!JobStatus.IsFinished(job.Status))
        {
            // Live: the page reloads when the job ends, from the same events any client can follow.
            Add($"<script nonce=\"{nonce}\">const s=new EventSource(location.pathname+'/events');s.addEventListener('job.progress',m=>{{const j=JSON.parse(m.data);document.getElementById('status').textContent=j.status+' ('+j.progress.filesDone+' of '+j.progress.filesTotal+' files)';}});for(const t of ['job.succeeded','job.failed','job.cancelled'])s.addEventListener(t,()=>{{s.close();location.reload();}});</script>\n");
        }

        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void Section(StringBuilder html, string title, string id, IEnumerable<ArtifactInfo> items, HtmlEncoder e)
    {
        var list = items.ToList();
        html.Append(CultureInfo.InvariantCulture, $"<h2>{title} ({list.Count})</h2>\n<table id=\"{id}\">");
        foreach (var item in list)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td><code>{e.Encode(item.Path)}</code></td><td>{item.Bytes:N0} bytes</td></tr>");
        }

        html.Append("</table>\n");
    }
}
