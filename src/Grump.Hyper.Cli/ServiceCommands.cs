using System.CommandLine;
using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text.Json;
using Grump.Hyper.Client;
using Grump.Hyper.Engine.Pipeline;

namespace Grump.Hyper.Cli;

/// <summary>
/// The commands that talk to a service, through its generated client: <c>submit</c> (with <c>--wait</c>, the CI
/// step), <c>status</c>, <c>result</c>, <c>artifacts</c> and <c>cancel</c>. Every failure to reach the service, a
/// refusal, a failed or cancelled job and a wait that runs out are exit 3; a request the service calls bad (the
/// upload, the arguments) is exit 2.
/// </summary>
internal static class ServiceCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly JsonSerializerOptions Artifact = new(JsonSerializerDefaults.Web);

    public static Command Submit(TextWriter stdout, TextWriter stderr)
    {
        var input = new Argument<string>("input") { Description = "A project folder (packed as .tar.gz, dot-files left out), or a .zip, .tar or .tar.gz" };
        var tier = CliApp.TierNameOption();
        var label = new Option<string?>("--label") { Description = "A label to find the job by (a branch, a commit)" };
        var wait = new Option<bool>("--wait") { Description = "Wait for the job to end, showing progress on stderr; the exit code is the job's" };
        var wholeArchive = new Option<bool>("--archive") { Description = "Upload a folder as one archive instead of only the files the service does not have yet" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait with --wait before giving up (exit 3)", DefaultValueFactory = _ => 600 };
        var json = new Option<bool>("--json") { Description = "Print the job as JSON on stdout" };
        var format = FormatOption();
        var (url, command) = WithUrl(new Command("submit", "Upload a project to the service (a folder: only the files it does not have) and start its compile") { input, tier, label, wait, wholeArchive, timeout, json, format });
        command.SetAction((parsed, cancel) => Call(stderr, async client =>
        {
            var path = parsed.GetValue(input)!;
            if (!Directory.Exists(path) && !File.Exists(path))
            {
                await stderr.WriteLineAsync($"grump-hyper: {path}: no such file or folder");
                return CliApp.Usage;
            }

            JobView job;
            string sent;
            if (Directory.Exists(path) && !parsed.GetValue(wholeArchive))
            {
                (job, sent) = await BlobUpload.SubmitAsync(client, path, ServiceTier(parsed.GetValue(tier)), parsed.GetValue(label), cancel);
            }
            else
            {
                var (bytes, name) = Pack(path);
                using var archive = new MemoryStream(bytes, writable: false);
                // The generated client sends every form field; the service reads an empty one as not given.
                job = await client.SubmitCompileAsync(idempotency_Key: null!, prefer: null!, new FileParameter(archive, name, "application/octet-stream"), ServiceTier(parsed.GetValue(tier)),
                    parsed.GetValue(label) ?? string.Empty, string.Empty, string.Empty, cancel);
                sent = $"{bytes.Length:N0} bytes uploaded as one archive";
            }
            if (!parsed.GetValue(wait))
            {
                await (parsed.GetValue(json) ? stdout.WriteLineAsync(JsonSerializer.Serialize(job, Indented)) : stdout.WriteLineAsync(job.Id));
                return CliApp.Ok;
            }

            await stderr.WriteLineAsync($"grump-hyper: job {job.Id} accepted ({sent})");
            return await WaitAsync(client, job, TimeSpan.FromSeconds(parsed.GetValue(timeout)), parsed.GetValue(json), parsed.GetValue(format) ?? "text", stdout, stderr, cancel);
        }, parsed.GetValue(url)));
        return command;
    }

    public static Command Status(TextWriter stdout, TextWriter stderr)
    {
        var id = JobId();
        var (url, command) = WithUrl(new Command("status", "Print a job's status, stage and progress as JSON") { id });
        command.SetAction((parsed, cancel) => Call(stderr, async client =>
        {
            await stdout.WriteLineAsync(JsonSerializer.Serialize(await client.GetJobAsync(parsed.GetValue(id), if_None_Match: null!, cancel), Indented));
            return CliApp.Ok;
        }, parsed.GetValue(url)));
        return command;
    }

    public static Command Result(TextWriter stdout, TextWriter stderr)
    {
        var id = JobId();
        var (url, command) = WithUrl(new Command("result", "Print a finished job's result (manifest, plan, diagnostics, modules) as JSON") { id });
        command.SetAction((parsed, cancel) => Call(stderr, async client =>
        {
            var result = await client.GetJobResultAsync(parsed.GetValue(id), cancel);
            await stdout.WriteLineAsync(JsonSerializer.Serialize(result, Indented));
            return result.Success ? CliApp.Ok : CliApp.CompileErrors;
        }, parsed.GetValue(url)));
        return command;
    }

    public static Command Artifacts(TextWriter stdout, TextWriter stderr)
    {
        var id = JobId();
        var output = new Option<string>("--out", "-o") { Description = "A new or empty folder for the job's artifacts", Required = true };
        var (url, command) = WithUrl(new Command("artifacts", "Download a finished job's artifacts into a folder") { id, output });
        command.SetAction((parsed, cancel) => Call(stderr, async client =>
        {
            var folder = Path.GetFullPath(parsed.GetValue(output)!);
            if (File.Exists(folder) || (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any()))
            {
                await stderr.WriteLineAsync($"grump-hyper: --out {folder}: give a new or empty folder");
                return CliApp.Usage;
            }

            using var zip = await client.GetJobArtifactsZipAsync(parsed.GetValue(id), cancel);
            using var buffer = new MemoryStream();
            await zip.Stream.CopyToAsync(buffer, cancel);
            buffer.Position = 0;
            Directory.CreateDirectory(folder);
            // ExtractToDirectory refuses entries that would land outside the folder.
            await ZipFile.ExtractToDirectoryAsync(buffer, folder, overwriteFiles: false, cancel);
            await stdout.WriteLineAsync($"grump-hyper: {Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Count()} artifacts in {folder}");
            return CliApp.Ok;
        }, parsed.GetValue(url)));
        return command;
    }

    public static Command Cancel(TextWriter stdout, TextWriter stderr)
    {
        var id = JobId();
        var (url, command) = WithUrl(new Command("cancel", "Cancel a job that has not finished") { id });
        command.SetAction((parsed, cancel) => Call(stderr, async client =>
        {
            var job = await client.CancelJobAsync(parsed.GetValue(id), cancel);
            await stdout.WriteLineAsync($"{job.Id} {Name(job.Status)}");
            return CliApp.Ok;
        }, parsed.GetValue(url)));
        return command;
    }

    private static Argument<string> JobId() => new("id") { Description = "The job id that submit printed" };

    private static Option<string> FormatOption()
    {
        var format = new Option<string>("--format") { Description = "How diagnostics are printed: text (path:line:col: error CODE: message) or github (workflow annotations)", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "github");
        return format;
    }

    /// <summary>Adds <c>--url</c> (or <see cref="CliApp.UrlVariable"/>) to a service command.</summary>
    private static (Option<string?> Url, Command Command) WithUrl(Command command)
    {
        var url = new Option<string?>("--url") { Description = $"The service, for example http://127.0.0.1:5080 (default: ${CliApp.UrlVariable})" };
        url.DefaultValueFactory = _ => Environment.GetEnvironmentVariable(CliApp.UrlVariable);
        command.Options.Add(url);
        return (url, command);
    }

    /// <summary>Runs one call against the service with the failures mapped to exit codes and one plain line each.</summary>
    private static async Task<int> Call(TextWriter stderr, Func<GrumpHyperClient, Task<int>> call, string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            await stderr.WriteLineAsync($"grump-hyper: give the service's http(s) address with --url or ${CliApp.UrlVariable} (got '{url}')");
            return CliApp.Usage;
        }

        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("grump-hyper-cli", Grump.Hyper.Compiler.CompilerInfo.Version));
        if (Environment.GetEnvironmentVariable(CliApp.ApiKeyVariable) is { Length: > 0 } key)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        try
        {
            return await call(new GrumpHyperClient(http));
        }
        catch (ApiException<ProblemDetails> problem)
        {
            var p = problem.Result;
            await stderr.WriteLineAsync($"grump-hyper: {p.Status} {p.Title}: {p.Detail} ({p.Code ?? p.Type})");
            return IsBadRequest(problem.StatusCode) ? CliApp.Usage : CliApp.ServiceFailure;
        }
        catch (ApiException ex)
        {
            await stderr.WriteLineAsync($"grump-hyper: the service answered {ex.StatusCode}: {FirstLine(ex.Response)}");
            return IsBadRequest(ex.StatusCode) ? CliApp.Usage : CliApp.ServiceFailure;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            await stderr.WriteLineAsync($"grump-hyper: cannot reach {address}: {ex.Message}");
            return CliApp.ServiceFailure;
        }
    }

    /// <summary>The request itself was at fault (its upload or arguments), not the service or the key.</summary>
    private static bool IsBadRequest(int status) => status is 400 or 413 or 415 or 422;

    /// <summary>The CLI's tier name (validated by the option) as the contract's enum.</summary>
    private static Tier ServiceTier(string? name) => Enum.Parse<Tier>(name ?? CompileTiers.Default.Name(), ignoreCase: true);

    /// <summary>A status as the service writes it (queued, running, ...), not the enum member's name.</summary>
    private static string Name(JobStatus status) => status.ToString().ToLowerInvariant();

    private static string FirstLine(string? text) => text is null ? string.Empty : text.Split('\n', 2)[0];

    /// <summary>
    /// Follows the job's events (Server-Sent Events, no polling) until it ends or the time runs out, printing each
    /// new stage and progress on stderr, and the cache figures at the end.
    /// </summary>
    private static async Task<int> WaitAsync(GrumpHyperClient client, JobView job, TimeSpan timeout, bool json, string format, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var shown = string.Empty;
        async Task Show(JobView current)
        {
            var stage = current.Progress.Stage is { } named && named != Name(current.Status) ? $", {named}" : string.Empty;
            var progress = $"{Name(current.Status)}{stage}, {current.Progress.FilesDone}/{current.Progress.FilesTotal} files";
            if (progress != shown)
            {
                await stderr.WriteLineAsync($"grump-hyper: job {current.Id}: {progress}");
                shown = progress;
            }
        }

        await Show(job);
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel))
        {
            deadline.CancelAfter(timeout);
            try
            {
                await foreach (var (_, current) in client.FollowJobAsync(job.Id, deadline.Token))
                {
                    job = current;
                    await Show(job);
                }
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                await stderr.WriteLineAsync($"grump-hyper: job {job.Id} did not end within {timeout.TotalSeconds:0} s (--timeout); it goes on running on the service");
                return CliApp.ServiceFailure;
            }
        }

        if (job.Metrics?.Cache is { } cache && job.Metrics.Files > 0)
        {
            await stderr.WriteLineAsync($"grump-hyper: job {job.Id}: {job.Metrics.Files} files, {cache.Hits} from the cache, {cache.Misses} compiled ({Name(job.Status)})");
        }

        if (json)
        {
            await stdout.WriteLineAsync(JsonSerializer.Serialize(job, Indented));
        }

        if (job.Status != JobStatus.Succeeded)
        {
            await stderr.WriteLineAsync($"grump-hyper: job {job.Id} {Name(job.Status)}{(job.FailureReason is { } why ? ": " + why : string.Empty)}");
            return CliApp.ServiceFailure;
        }

        using (var file = await client.GetJobArtifactAsync(job.Id, "diagnostics.json", cancel))
        {
            var diagnostics = await JsonSerializer.DeserializeAsync<List<DiagnosticEntry>>(file.Stream, Artifact, cancel) ?? [];
            foreach (var d in diagnostics)
            {
                await stderr.WriteLineAsync(format == "github" ? GitHubAnnotation(d) : $"{d.File}:{d.Line}:{d.Column}: {d.Severity} {d.Code}: {d.Message}");
            }
        }

        if (!json)
        {
            await stdout.WriteLineAsync($"grump-hyper: job {job.Id} succeeded: {job.Diagnostics.Errors} errors, {job.Diagnostics.Warnings} warnings ({clock.Elapsed.TotalSeconds:0.0} s)");
        }

        return job.Success == false || job.Diagnostics.Errors > 0 ? CliApp.CompileErrors : CliApp.Ok;
    }

    /// <summary>A GitHub Actions workflow command, escaped as the runner reads it (data: %, CR, LF; properties also ':' and ',').</summary>
    internal static string GitHubAnnotation(DiagnosticEntry d)
    {
        static string Data(string s) => s.Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);
        static string Property(string s) => Data(s).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);
        var kind = d.Severity switch { "error" => "error", "warning" => "warning", _ => "notice" };
        return $"::{kind} file={Property(d.File)},line={d.Line},col={d.Column},title={Property(d.Code)}::{Data(d.Code + ": " + d.Message)}";
    }

    /// <summary>The upload: an archive as it is, or a folder packed as .tar.gz.</summary>
    private static (byte[] Bytes, string Name) Pack(string path) =>
        File.Exists(path)
            ? (File.ReadAllBytes(path), Path.GetFileName(path))
            : (ProjectFolder.TarGz(ProjectFolder.Files(path)), Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path))) + ".tar.gz");
}
