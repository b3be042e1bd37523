using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Grump.Hyper.Compiler;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Extraction;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;
using Grump.Hyper.Engine.Caching;
using Grump.Hyper.Engine.Kernels;
using Grump.Hyper.Engine.Optimisation;
using Grump.Hyper.Engine.Speculation;

namespace Grump.Hyper.Engine.Pipeline;

/// <summary>What to compile with: the tier and the compiler's own options.</summary>
public sealed record HyperOptions
{
    public static HyperOptions Default { get; } = new();

    public CompileTier Tier { get; init; } = CompileTiers.Default;

    public CompilationOptions Compilation { get; init; } = CompilationOptions.Default;

    /// <summary>Whose successive builds the change model learns from (a tenant's project); default: the project's name.</summary>
    public string? ProjectKey { get; init; }

    /// <summary>How many shards the insane tier plans for (worker processes).</summary>
    public int Shards { get; init; } = Environment.ProcessorCount;

    /// <summary>Threads for compiling modules in the parallel tiers; null means one per core.</summary>
    public int? Parallelism { get; init; }

    /// <summary>Replaces the tier's row of <see cref="TierProfile"/> (the benchmark's ablation switches subsystems one by one).</summary>
    public TierProfile? Profile { get; init; }

    /// <summary>The big documents as blocks, for a content-addressed store (see <see cref="FinishOptions.DocumentBlocks"/>): the service's choice.</summary>
    public bool DocumentBlocks { get; init; }

    /// <summary>Name of this process in metrics (a worker id in a cluster).</summary>
    public string WorkerName { get; init; } = Environment.MachineName + ":" + Environment.ProcessId;
}

/// <summary>Gives the bytes of described sources (see <see cref="SourceFile.Described"/>), in the order asked.</summary>
public delegate IReadOnlyList<SourceFile> SourceLoader(IReadOnlyList<SourceFile> described);

/// <summary>A finished compile: the compiler's result, with metrics.json added to the artifacts.</summary>
public sealed record HyperResult(CompilationResult Compilation, CompileMetrics Metrics)
{
    public ArtifactSet Artifacts => Compilation.Artifacts;
}

/// <summary>
/// The HyperCompiler: runs the compiler's stages under a tier. Conservative is the plain sequential
/// pipeline (the baseline every benchmark compares against); higher tiers add parallelism and, as they
/// land, caches and accelerators. The artifacts never depend on the tier.
/// </summary>
public sealed partial class HyperCompiler
{
    /// <summary>Progress is reported about this often, in files, so a status poll sees it move.</summary>
    private const int ProgressEvery = 64;

    private readonly ModuleCache _cache;
    private readonly ProjectCache _projects;
    private readonly ProjectStates _states = new();
    // Built when a build first asks for them, not with the compiler: no default tier does (both cost a fresh CLI
    // process about a tenth of a second of start-up, the CUDA probe most of it, for nothing).
    private readonly Lazy<MatcherSet> _tiered = new(Matching.Matchers.Tiered);
    private readonly Lazy<TextKernels> _kernels;
    private readonly ChangeModel _changes = new();

    public HyperCompiler(ModuleCache? cache = null, ProjectCache? projects = null, TextKernels? kernels = null)
    {
        _cache = cache ?? new ModuleCache();
        _projects = projects ?? new ProjectCache();
        _kernels = kernels is null ? SharedKernels : new(kernels);
    }

    /// <summary>One probe per process: finding (or not finding) a GPU costs a second or so.</summary>
    private static readonly Lazy<TextKernels> SharedKernels = new(TextKernels.Probe);

    /// <summary>Conservative reads English with plain hash-map matchers, never promoted.</summary>
    private static readonly MatcherSet Interpreted = MatcherSet.At(MatcherTier.Interpreted);

    /// <summary>The last selection of the last 16 projects this compiler built (a process compiles a few at a time).</summary>
    private readonly Projects.ProjectSelections _selections = new(16);

    /// <summary>Selects the project from <paramref name="files"/> (root, grump.json, globs), then compiles it.</summary>
    public HyperResult Compile(IEnumerable<SourceFile> files, HyperOptions options, Action<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var total = Stopwatch.StartNew();
        // The project's last list of files, by project key: an edit lists the same paths, so it is selected in one walk.
        var key = options.ProjectKey ?? string.Empty;
        var project = _selections.Select(key, files);
        return Compile(project, total, options, progress, cancellationToken);
    }

    /// <summary>Compiles a project selected before (the service selects once, when the upload is accepted: <see cref="ProjectManifest"/>).</summary>
    public HyperResult Compile(ProjectSelection project, HyperOptions options, Action<int>? progress = null, CancellationToken cancellationToken = default) =>
        Compile(project, Stopwatch.StartNew(), options, progress, cancellationToken);

    /// <summary>Compiles a project selected before whose sources may be described only, loading the bytes it needs.</summary>
    /// <param name="load">
    /// Where the project's sources may be only <see cref="SourceFile.Described"/> (address and size): called once, with
    /// the described sources whose module this build cannot take from the project's last build (or from what the
    /// shared cache fetched for it), for their bytes, in the same order. An unchanged resubmission reads no source.
    /// </param>
    public HyperResult Compile(ProjectSelection project, SourceLoader load, HyperOptions options, Action<int>? progress = null, CancellationToken cancellationToken = default) =>
        Compile(project, Stopwatch.StartNew(), options, progress, cancellationToken, load);

    /// <param name="total">Started before the selection, so the select stage is its time so far.</param>
    private HyperResult Compile(ProjectSelection project, Stopwatch total, HyperOptions options, Action<int>? progress, CancellationToken cancellationToken, SourceLoader? load = null)
    {
        var stages = ImmutableArray.CreateBuilder<StageMetrics>();
        var notes = ImmutableArray.CreateBuilder<string>();
        var effective = options.Tier;
        var requestedInsane = effective == CompileTier.Insane;
        if (effective == CompileTier.Insane)
        {
            notes.Add("insane tier without distributed workers in this process: ran as aggressive");
            effective = CompileTier.Aggressive;
        }

        var selected = total.Elapsed.TotalMilliseconds;
        bool IsVendor(int i) => project.IsVendor(i);
        var watch = Stopwatch.StartNew();
        var profile = options.Profile ?? TierProfile.For(effective);
        var parallelism = profile.Parallel ? options.Parallelism ?? Environment.ProcessorCount : 1;
        var useMemo = profile.Memo;
        var useCache = profile.Cache;
        var counters = new CacheCounters();
        var (fingerprint, inputBytes) = useMemo ? Fingerprint(project, options) : (null, null);

        // The sources' bytes: the project key's walk totals the inputs (the sources and the project file) without reading
        // the inputs it has seen; without a key, each source's size is read.
        var bytes = SourceBytes(project, inputBytes);
        stages.Add(new StageMetrics("select", selected, project.Sources.Length, bytes));
        CompilationResult compilation;
        var steps = ImmutableArray<StepReasons>.Empty;
        var textBackend = "none";
        SpeculationMetrics? speculation = null;
        ImmutableArray<Sharding.ShardScore> shards = [];
        var matcherTiers = "none";
        if (fingerprint is not null && _projects.TryGet(fingerprint, out var reused, out var mark))
        {
            // The project's state goes back to that build, so the next build's step reasons compare with it.
            if (mark is ProjectState.Marked marked)
            {
                var stateKey = StateKey(project, options);
                var state = _states.Take(stateKey);
                state.Rewind(marked);
                _states.Give(stateKey, state);
            }

            // Early cutoff: the same inputs were linked moments ago; nothing needs compiling or linking.
            notes.Add("project unchanged since a cached build: linked result reused");
            stages.Add(new StageMetrics("compile", 0, 0, 0));
            stages.Add(new StageMetrics("link+emit (cached)", watch.Elapsed.TotalMilliseconds, reused.ModuleCount, reused.Artifacts.TotalBytes));
            compilation = reused;
            steps = [new StepReasons("compile", "module", 0, 0, 0, project.Sources.Length, 0, 0), .. reused.Steps.Select(s => s with { New = 0, Modified = 0, Unchanged = 0, Cached = s.New + s.Modified + s.Unchanged + s.Cached, Removed = 0, BytesWritten = 0 })];
            progress?.Invoke(project.Sources.Length);
        }
        else
        {
            var matchers = profile.TieredMatchers ? _tiered.Value : Interpreted;
            SourceHints[]? hints = null;
            if (profile.Scan)
            {
                // The batch scan reads every source's bytes.
                project = Loaded(project, i => true, load);
                var scan = Stopwatch.StartNew();
                (hints, textBackend) = ScanSources(project.Sources);
                stages.Add(new StageMetrics("scan", scan.Elapsed.TotalMilliseconds, project.Sources.Length, bytes));
                watch.Restart();
            }

            // The project's state from its last build in this process, lent to this build: a source whose
            // path, bytes and vendor flag are the last build's keeps that build's module (select by diffing
            // (path, sha256) against the previous build; no cache lookup, so no cache size can evict it).
            var stateKey = StateKey(project, options);
            var state = useMemo ? _states.Take(stateKey) : null;
            ProjectState.Marked? marked;
            try
            {
                // The last build's module of each source, found in one walk: the prefetch, the loader and the compile all ask.
                ModuleResult?[]? previous = null;
                if (state is not null)
                {
                    previous = new ModuleResult?[project.Sources.Length];
                    var span = previous.AsSpan(); // a span's store reads nothing of the object stored (see ProjectState)
                    for (var i = 0; i < span.Length; i++)
                    {
                        span[i] = state.Previous(i, project.Sources[i], IsVendor(i));
                    }
                }

                bool Kept(int i) => previous?[i] is not null;
                IReadOnlyDictionary<string, ModuleResult>? prefetched = null;
                if (useCache)
                {
                    // Only what the last build cannot give is asked of the shared cache: a 10-file edit builds 10 keys, not 100,000.
                    var fetch = Stopwatch.StartNew();
                    prefetched = _cache.Prefetch([.. Enumerable.Range(0, project.Sources.Length).Where(i => !Kept(i)).Select(i => (project.Sources[i], IsVendor(i)))], options.Compilation, counters);
                    stages.Add(new StageMetrics("prefetch", fetch.Elapsed.TotalMilliseconds, (int)counters.L2Hits, 0));
                    watch.Restart();
                }

                int[]? order = null;
                if (profile.Speculation || requestedInsane)
                {
                    // Which modules L1 holds now (after the L2 prefetch): probed once, read by speculation and the shard plan.
                    var guess = Stopwatch.StartNew();
                    var resident = project.Sources.Select((f, i) => _cache.Contains(f, IsVendor(i), options.Compilation)).ToArray();
                    if (profile.Speculation)
                    {
                        (order, speculation) = Speculate(project, resident, options);
                        stages.Add(new StageMetrics("speculate", guess.Elapsed.TotalMilliseconds, speculation.Predicted, 0));
                    }

                    if (requestedInsane)
                    {
                        // How the work would fan out: likely misses cost their bytes, likely hits next to nothing.
                        var plan = Stopwatch.StartNew();
                        var costs = project.Sources.Select((f, i) => resident[i] ? 1L : f.Size).ToArray();
                        shards = Sharding.ShardPlanner.Plan(costs, options.Shards).Scores;
                        stages.Add(new StageMetrics("shard-plan", plan.Elapsed.TotalMilliseconds, options.Shards, 0));
                    }

                    watch.Restart();
                }

                project = Loaded(project, i => !Kept(i)
                    && prefetched?.ContainsKey(ModuleCache.Key(project.Sources[i], IsVendor(i), options.Compilation)) != true, load);
                var results = CompileModules(project.Sources, IsVendor, options.Compilation, parallelism, useCache ? _cache : null, counters, matchers, hints, order, progress, cancellationToken,
                    previous is null ? null : (i, _, _) => previous[i], prefetched, sourceBytes: bytes);
                stages.Add(new StageMetrics("compile", watch.Elapsed.TotalMilliseconds, results.Length, bytes));
                matcherTiers = string.Join(",", matchers.Tiers.Distinct().Select(t => t.ToString().ToLowerInvariant()));

                cancellationToken.ThrowIfCancellationRequested();
                watch.Restart();

                var compileReasons = state?.CompileReasons(project.Sources, results, IsVendor)
                    ?? new StepReasons("compile", "module", results.Length, 0, 0, 0, 0, results.Sum(r => (long)(r.Rendered?.Length ?? 0)));
                var finish = new FinishOptions { Parallel = parallelism > 1, Memo = state?.Finish, DocumentBlocks = options.DocumentBlocks, FallbackPartitioners = OptimisingPartitioner.Optimisers };
                compilation = Compilation.Finish(project, results, finish, stage: (name, time) => stages.Add(new StageMetrics(name, time.TotalMilliseconds, results.Length, 0)));
                steps = [compileReasons, .. compilation.Steps];
                marked = state?.Mark();
            }
            finally
            {
                // Given back even when the build was cancelled or failed: every value in it is checked before reuse.
                if (state is not null)
                {
                    _states.Give(stateKey, state);
                }
            }

            if (fingerprint is not null)
            {
                _projects.Add(fingerprint, compilation, marked);
            }
        }

        var elapsed = total.Elapsed.TotalMilliseconds;
        var metrics = new CompileMetrics
        {
            Tier = effective.Name(),
            RequestedTier = options.Tier.Name(),
            Notes = notes.ToImmutable(),
            Files = project.Sources.Length,
            Bytes = bytes,
            Modules = compilation.ModuleCount,
            TotalMilliseconds = Math.Round(elapsed, 3),
            ThroughputMegabytesPerSecond = elapsed > 0 ? Math.Round(bytes / 1_048_576.0 / (elapsed / 1000), 3) : 0,
            Parallelism = parallelism,
            Stages = stages.ToImmutable(),
            Speculation = speculation,
            Shards = shards,
            Cache = useCache || useMemo ? CacheMetricsOf(counters) : new CacheMetrics(0, 0, 0, 0),
            Backends = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [new KeyValuePair<string, string>("matcher", matcherTiers), new("text", textBackend), new("gpu", _kernels.IsValueCreated ? _kernels.Value.GpuName : "none")]),
            Workers = [options.WorkerName],
            Partitioners = PartitionersOf(compilation),
            Steps = steps,
        };
        return Seal(compilation, metrics);
    }

    /// <summary>
    /// <paramref name="project"/> with the bytes of its described sources that <paramref name="needed"/> picks, from
    /// <paramref name="load"/>. Asked while this build holds the project's state, so what the state holds stays held.
    /// </summary>
    private static ProjectSelection Loaded(ProjectSelection project, Func<int, bool> needed, SourceLoader? load)
    {
        var sources = project.Sources;
        // Asked first whether the build needs it (an edit needs few), so most sources are not read at all.
        var wanted = Enumerable.Range(0, sources.Length).Where(i => needed(i) && !sources[i].IsLoaded).ToArray();
        if (wanted.Length == 0 || load is null)
        {
            return project; // without a loader, a described source the build needs says so where it is read
        }

        var loaded = load([.. wanted.Select(i => sources[i])]);
        var builder = sources.ToBuilder();
        for (var n = 0; n < wanted.Length; n++)
        {
            var (was, file) = (sources[wanted[n]], loaded[n]);
            if (!string.Equals(was.Path, file.Path, StringComparison.Ordinal) || !string.Equals(was.Sha256, file.Sha256, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"Asked for the bytes of {was.Path} ({was.Sha256}), the loader gave {file.Path} ({file.Sha256}).");
            }

            builder[wanted[n]] = file;
        }

        return project with { Sources = builder.MoveToImmutable() };
    }

    /// <summary>The project's key, through its state's memo of the last build's blocks (only changed blocks are hashed again).</summary>
    private (string Key, long? InputBytes) Fingerprint(ProjectSelection project, HyperOptions options)
    {
        var stateKey = StateKey(project, options);
        var state = _states.Take(stateKey);
        try
        {
            return (state.Fingerprint.Of(project, options.Compilation), state.Fingerprint.InputBytes);
        }
        finally
        {
            _states.Give(stateKey, state);
        }
    }

    /// <summary>
    /// The sources' bytes from the inputs' (the sources and the project file, in path order, the very same objects as a
    /// selection makes them), less the one input that is not a source; else each source's size, read.
    /// </summary>
    private static long SourceBytes(ProjectSelection project, long? inputBytes)
    {
        var (inputs, sources) = (project.Inputs, project.Sources);
        if (inputBytes is not { } all || inputs.Length - sources.Length is not (0 or 1))
        {
            return sources.Sum(s => s.Size);
        }

        var k = 0;
        while (k < sources.Length && ReferenceEquals(inputs[k], sources[k]))
        {
            k++;
        }

        // Past the shared run: the project file, then the rest shared again (else the lists are not one selection's).
        var rest = inputs.Length - sources.Length;
        for (var i = k; i < sources.Length; i++)
        {
            if (!ReferenceEquals(inputs[i + rest], sources[i]))
            {
                return sources.Sum(s => s.Size);
            }
        }

        return rest == 0 ? all : all - inputs[k].Size;
    }

    /// <summary>
    /// Whose state a build continues: the caller's key (the service passes the tenant, so no two tenants
    /// share one), the project's name (a tenant's projects do not displace each other's state) and the options.
    /// </summary>
    private static string StateKey(ProjectSelection project, HyperOptions options) =>
        (options.ProjectKey ?? string.Empty) + "\n" + (project.Settings.Name ?? "project") + "\n" + options.Compilation.Fingerprint;

    private CacheMetrics CacheMetricsOf(CacheCounters counters) =>
        new(counters.Hits, counters.Misses, counters.BytesServed, _cache.Count)
        {
            BloomSkips = counters.BloomSkips,
            DistinctSources = _cache.DistinctSources,
            CacheBytes = _cache.Bytes,
            L2Hits = counters.L2Hits,
            L2BytesServed = counters.L2BytesServed,
            Level2 = _cache.Level2,
        };

    private static ImmutableArray<PartitionerScore> PartitionersOf(CompilationResult compilation) =>
        compilation.Split is { } split
            ? [.. split.Scores.Select(x => new PartitionerScore(x.Partitioner, x.BytesLoaded, x.Valid, x.Partitioner == split.Chosen))]
            : [];

    /// <summary>Records the metrics and adds them to the artifacts as metrics.json, beside the build's set (which the memo and the project cache share).</summary>
    private static HyperResult Seal(CompilationResult compilation, CompileMetrics metrics)
    {
        EngineMetrics.Record(metrics);
        var json = ArtifactContent.Of(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(metrics, MetricsJson.Default.CompileMetrics));
        return new HyperResult(compilation with { Artifacts = compilation.Artifacts.With(ArtifactSet.Metrics, json) }, metrics);
    }

    /// <summary>
    /// Speculative pre-work: the change model guesses, from the project's last builds alone, which modules
    /// changed; those are compiled first, so the likely misses (a hundred times dearer than hits) start
    /// at once instead of landing at the tail of the parallel loop. Then the model learns what did change.
    /// </summary>
    private (int[] Order, SpeculationMetrics Metrics) Speculate(ProjectSelection project, bool[] resident, HyperOptions options)
    {
        var key = options.ProjectKey ?? project.Settings.Name ?? "project";
        var predicted = _changes.Predict(key, []).Select(p => p.Module).ToHashSet(StringComparer.Ordinal);
        var sources = project.Sources;
        var changed = Enumerable.Range(0, sources.Length)
            .Where(i => !resident[i])
            .Select(i => sources[i].Path).ToList();
        _changes.Observe(key, changed);
        var order = Enumerable.Range(0, sources.Length).OrderBy(i => predicted.Contains(sources[i].Path) ? 0 : 1).ThenBy(i => i).ToArray();
        return (order, new SpeculationMetrics(predicted.Count, changed.Count, changed.Count(predicted.Contains)));
    }

    /// <summary>One batch scan of every source (newlines, pure ASCII) by the best backend for its size.</summary>
    private (SourceHints[] Hints, string Backend) ScanSources(IReadOnlyList<SourceFile> sources)
    {
        var offsets = new int[sources.Count + 1];
        for (var i = 0; i < sources.Count; i++)
        {
            offsets[i + 1] = offsets[i] + sources[i].Content.Length;
        }

        var data = new byte[offsets[^1]];
        for (var i = 0; i < sources.Count; i++)
        {
            sources[i].Content.Span.CopyTo(data.AsSpan(offsets[i]));
        }

        var stats = new TextStats[sources.Count];
        var backend = _kernels.Value.Scan(data, offsets, stats);
        return ([.. stats.Select(s => new SourceHints(s.Ascii, s.Newlines))], backend);
    }

    private static ImmutableArray<ModuleResult> CompileModules(IReadOnlyList<SourceFile> sources, Func<int, bool> isVendor, CompilationOptions options, int parallelism,
        ModuleCache? cache, CacheCounters counters, MatcherSet matchers, SourceHints[]? hints, int[]? order, Action<int>? progress, CancellationToken cancellationToken,
        Func<int, SourceFile, bool, ModuleResult?>? previous = null, IReadOnlyDictionary<string, ModuleResult>? prefetched = null, long sourceBytes = 0)
    {
        var results = new ModuleResult[sources.Count];
        var done = 0;
        var reused = 0;
        long compiledBytes = 0;
        void One(int n)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var i = order is null ? n : order[n];
            var vendor = isVendor(i);
            var hint = hints is null ? (SourceHints?)null : hints[i];
            if (previous?.Invoke(i, sources[i], vendor) is { } kept)
            {
                // Counted once at the end, with the bytes of every source less the compiled ones' (no read of this one).
                Interlocked.Increment(ref reused);
                Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(results), i) = kept; // no read of the result's type
            }
            else
            {
                Interlocked.Add(ref compiledBytes, sources[i].Size);
                if (cache is null)
                {
                    counters.Miss(bloomSaidNo: false);
                    results[i] = ModuleCompiler.Compile(sources[i], vendor, options, matchers, hint);
                }
                else
                {
                    results[i] = cache.GetOrCompile(sources[i], vendor, options, counters, matchers, hint, prefetched);
                }
            }

            var finished = Interlocked.Increment(ref done);
            if (progress is not null && (finished % ProgressEvery == 0 || finished == sources.Count))
            {
                progress(finished);
            }
        }

        if (parallelism <= 1)
        {
            for (var i = 0; i < sources.Count; i++)
            {
                One(i);
            }
        }
        else
        {
            Parallel.For(0, sources.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, One);
        }

        if (reused > 0)
        {
            counters.Hit(reused, sourceBytes - compiledBytes);
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(results);
    }
}
