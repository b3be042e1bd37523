using System.Diagnostics;
using Grump.Hyper.Engine.Pipeline;

namespace Grump.Hyper.Benchmarks;

/// <summary>
/// One cold compile of a generated project under one tier, repeated, for a profiler to attach to
/// (dotnet-trace): the benchmark's numbers say how long, a trace of this says where.
/// </summary>
internal static class ProfileRun
{
    public static int Run(string[] args)
    {
        var files = (int)Args.Get(args, "--files", 10_000);
        var repeat = (int)Args.Get(args, "--repeat", 3);
        var tier = Args.Tier(args);
        var project = ProjectGenerator.Generate(files, seed: 42);
        var changed = Args.Get(args, "--changed", 0.0);
        var header = args.Contains("--header"); // --header: each edit gives one module one more dependency instead
        changed = header ? Math.Max(changed, 1e-9) : changed;
        if (args.Contains("--noop"))
        {
            // The same project again and again on one warm compiler: the whole-project early cutoff.
            var warm = new HyperCompiler();
            var same = HyperOptions.Default with { Tier = tier };
            warm.Compile(project, same);
            for (var i = 0; i < repeat; i++)
            {
                var watch = Stopwatch.StartNew();
                var result = warm.Compile(project, same);
                Console.WriteLine($"{tier.Name()} no-op {watch.Elapsed.TotalMilliseconds:0.0} ms: " + CompileBenchmark.StageTimes(result.Metrics));
            }

            return 0;
        }

        if (args.Contains("--archive"))
        {
            // An upload's read alone, as the service does it (every file hashed): a zip on every core, the same zip on
            // one core, and the tar.gz of the same files as .NET's writer makes PAX (a timestamp header per file) and as
            // GNU tar and the CLI write it.
            var zip = Grump.Hyper.Testing.Archives.Zip(project.Select(f => (f.Path, f.Content.ToArray())));
            var tarGz = Grump.Hyper.Testing.Archives.TarGz(project);
            var gnuTarGz = Grump.Hyper.Testing.Archives.TarGz(System.Formats.Tar.TarEntryFormat.Gnu, project);
            var limits = Grump.Hyper.Engine.Archives.ArchiveLimits.Default with { MaxEntries = project.Count + 10 }; // as the service benchmark configures it
            if (Array.IndexOf(args, "--save") is var save and >= 0 && save + 1 < args.Length)
            {
                // For a trace of the service: the same archives to send with curl.
                File.WriteAllBytes(args[save + 1] + ".zip", zip);
                File.WriteAllBytes(args[save + 1] + ".tar.gz", tarGz);
            }

            var allocated = new List<string>();
            double Best(Func<Grump.Hyper.Engine.Archives.ArchiveReadResult> read)
            {
                var (best, bytes) = (double.MaxValue, long.MaxValue);
                for (var i = 0; i < Math.Max(repeat, 3); i++)
                {
                    var before = GC.GetTotalAllocatedBytes(precise: true);
                    var watch = Stopwatch.StartNew();
                    var result = read();
                    Parallel.ForEach(result.Files!, file => _ = file.Sha256);
                    best = Math.Min(best, watch.Elapsed.TotalMilliseconds);
                    bytes = Math.Min(bytes, GC.GetTotalAllocatedBytes(precise: true) - before);
                }

                allocated.Add((bytes / 1048576.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture));
                return best;
            }

            var cores = Best(() => Grump.Hyper.Engine.Archives.ArchiveReader.Read(zip, limits));
            var one = Best(() => Grump.Hyper.Engine.Archives.ArchiveReader.Read(new MemoryStream(zip, writable: false), zip.AsSpan(0, 512), zip.Length, limits));
            var tar = Best(() => Grump.Hyper.Engine.Archives.ArchiveReader.Read(tarGz, limits));
            var gnu = Best(() => Grump.Hyper.Engine.Archives.ArchiveReader.Read(gnuTarGz, limits));
            Console.WriteLine($"archive read + hash, {project.Count} files (best of {Math.Max(repeat, 3)}): zip {cores:0} ms on {Environment.ProcessorCount} cores, {one:0} ms on one; " +
                $"tar.gz {tar:0} ms (pax, {tarGz.Length / 1024} KiB), {gnu:0} ms (gnu, {gnuTarGz.Length / 1024} KiB); allocated (MiB, in that order) {string.Join(" / ", allocated)}");
            return 0;
        }

        if (args.Contains("--render"))
        {
            // Module JSON rendering alone: the artifact writer against the serialiser's own array, on the same documents.
            var documents = project.Where(f => f.Path.EndsWith(".intent", StringComparison.Ordinal))
                .Select(f => System.Text.Json.JsonSerializer.Deserialize(Grump.Hyper.Compiler.Modules.ModuleCompiler.Compile(f, false, Grump.Hyper.Compiler.Modules.CompilationOptions.Default).Rendered,
                    Grump.Hyper.Compiler.Emit.ArtifactJson.Default.ModuleDocument)!).ToList();
            for (var i = 0; i < repeat; i++)
            {
                var watch = Stopwatch.StartNew();
                foreach (var d in documents)
                {
                    Grump.Hyper.Compiler.Emit.ArtifactEmitter.Render(d);
                }

                var ours = watch.Elapsed.TotalMilliseconds;
                watch.Restart();
                foreach (var d in documents)
                {
                    System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(d, Grump.Hyper.Compiler.Emit.ArtifactJson.Default.ModuleDocument);
                }

                Console.WriteLine($"render {documents.Count} modules: artifact writer {ours:0} ms, SerializeToUtf8Bytes {watch.Elapsed.TotalMilliseconds:0} ms");
            }

            return 0;
        }

        if (args.Contains("--select"))
        {
            // The project's selection alone (root, grump.json, globs) on the generated files, and on an edit of them.
            // From scratch, then by the decisions made for the last list (what the engine does for an edit's list).
            var edited = ProjectGenerator.Change(project, Math.Max(changed, 0.0001), seed: 43);
            var order = Grump.Hyper.Compiler.Project.ProjectLoader.Select(project).Order;
            for (var i = 0; i < repeat; i++)
            {
                var list = i % 2 == 0 ? project : edited;
                var watch = Stopwatch.StartNew();
                var selection = Grump.Hyper.Compiler.Project.ProjectLoader.Select(list);
                var scratch = watch.Elapsed.TotalMilliseconds;
                watch.Restart();
                var again = Grump.Hyper.Compiler.Project.ProjectLoader.Select(list, order);
                Console.WriteLine($"select {project.Count} files ({selection.Sources.Length} sources, {selection.VendorPaths.Count} vendor): from scratch {scratch:0.0} ms, by the last list's decisions {watch.Elapsed.TotalMilliseconds:0.0} ms");
                order = again.Order;
            }

            return 0;
        }

        if (args.Contains("--plan"))
        {
            // The plan stage alone on one thread, from the same linked modules: the whole-project planner (conservative)
            // and a first build of the incremental one (every other tier), with a hash over what each planned.
            var modules = project.Where(f => f.Path.EndsWith(".intent", StringComparison.Ordinal))
                .Select(f => Grump.Hyper.Compiler.Modules.ModuleCompiler.Compile(f, vendor: false, Grump.Hyper.Compiler.Modules.CompilationOptions.Default).Module!)
                .ToList();
            var link = Grump.Hyper.Compiler.Linking.Linker.Link(modules);
            var times = new Dictionary<string, List<double>>();
            for (var i = 0; i < repeat; i++)
            {
                foreach (var (name, plan) in new (string, Func<Grump.Hyper.Compiler.Planning.Plan>)[]
                {
                    ("whole-project planner", () => Grump.Hyper.Compiler.Planning.Planner.Build(link)),
                    ("incremental planner, first build", () => Grump.Hyper.Compiler.Incremental.Plan(link, new Grump.Hyper.Compiler.FinishMemo()).Plan),
                })
                {
                    GC.Collect(); // each from an empty young generation: what one plan's own collections cost, not the last one's
                    var allocated = GC.GetTotalAllocatedBytes(precise: true);
                    var pause = GC.GetTotalPauseDuration();
                    var watch = Stopwatch.StartNew();
                    var made = plan();
                    var ms = watch.Elapsed.TotalMilliseconds;
                    (times.TryGetValue(name, out var list) ? list : times[name] = []).Add(ms);
                    Console.WriteLine($"{name}: {ms:0} ms (GC paused {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:0} ms), allocated {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1048576.0:0.0} MiB, {made.Tasks.Count} tasks, plan {PlanHash(made):x16}");
                }
            }

            foreach (var (name, list) in times)
            {
                list.Sort();
                Console.WriteLine($"{name}: best {list[0]:0} ms, median {list[list.Count / 2]:0} ms of {list.Count}");
            }

            return 0;
        }

        if (args.Contains("--modules"))
        {
            // The per-file compile alone, on one thread: its time and its allocations per file.
            using var ticks = args.Contains("--types") ? new AllocationTypes() : null;
            for (var i = 0; i < repeat; i++)
            {
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var watch = Stopwatch.StartNew();
                long bytes = 0;
                UInt128 modules = 0; // what was made, so a faster compiler can be seen to make the same modules
                foreach (var file in project.Where(f => f.Path.EndsWith(".intent", StringComparison.Ordinal)))
                {
                    var result = Grump.Hyper.Compiler.Modules.ModuleCompiler.Compile(file, vendor: false, Grump.Hyper.Compiler.Modules.CompilationOptions.Default);
                    modules = (modules * 31) + result.RenderedHash.GetValueOrDefault() + (UInt128)result.Diagnostics.Length;
                    bytes += file.Content.Length;
                }

                var seconds = watch.Elapsed.TotalSeconds;
                Console.WriteLine($"module compile, 1 thread: {seconds * 1000:0} ms, {bytes / 1048576.0 / seconds:0.0} MB/s, allocated {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)project.Count / 1024:0.0} KiB per file, modules {modules & 0xffffffffffff:x12}");
            }

            ticks?.Print();

            return 0;
        }

        if (changed > 0)
        {
            // A different edit of the project each time, on one warm compiler (never a whole-project cache hit).
            var compiler = new HyperCompiler();
            var options = HyperOptions.Default with { Tier = tier, DocumentBlocks = args.Contains("--blocks") }; // --blocks: as the service builds
            if (args.Contains("--sequential"))
            {
                options = options with { Profile = TierProfile.For(tier) with { Parallel = false } }; // stage by stage, each timed on its own
            }

            HyperResult? last = compiler.Compile(project, options);
            Console.WriteLine($"cold: peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MiB, live heap after a full collection {GC.GetTotalMemory(forceFullCollection: true) / 1048576} MiB");
            using var editTypes = args.Contains("--types") ? new AllocationTypes() : null; // --types: what the edits allocate, by type
            for (var i = 0; i < repeat; i++)
            {
                var next = header ? ProjectGenerator.ChangeHeader(project, seed: 43 + i) : ProjectGenerator.Change(project, changed, seed: 43 + i);
                var pause = GC.GetTotalPauseDuration();
                var gen2 = GC.CollectionCount(2);
                var gen0 = GC.CollectionCount(0);
                var allocated = GC.GetTotalAllocatedBytes();
                var (jitted, jitTime) = (System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false), System.Runtime.JitInfo.GetCompilationTime(currentThread: false));
                var watch = Stopwatch.StartNew();
                var result = compiler.Compile(next, options);
                Console.WriteLine($"{tier.Name()} {(header ? "header" : changed.ToString("P1"))} edit {watch.ElapsedMilliseconds} ms (GC pauses {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:0} ms, {GC.CollectionCount(0) - gen0} gen0, {GC.CollectionCount(2) - gen2} gen2, {(GC.GetTotalAllocatedBytes() - allocated) / 1048576.0:0.0} MiB allocated, JIT {System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false) - jitted} methods in {(System.Runtime.JitInfo.GetCompilationTime(currentThread: false) - jitTime).TotalMilliseconds:0} ms): " + CompileBenchmark.StageTimes(result.Metrics) + (args.Contains("--steps") ? "\n  " + CompileBenchmark.Steps(result.Metrics) : ""));
                if (args.Contains("--artifacts"))
                {
                    // What the edit made anew, by artifact: where a store's bytes go.
                    var emit = result.Metrics.Steps.First(s => s.Stage == "emit");
                    Console.WriteLine($"  emit wrote {emit.BytesWritten / 1048576.0:0.00} MiB; largest: " + string.Join(", ", result.Artifacts
                        .OrderByDescending(a => a.Value.Length).Take(5).Select(a => $"{a.Key} {a.Value.Length / 1048576.0:0.00} MiB in {a.Value.Parts.Count} parts")));
                    if (last is not null && options.DocumentBlocks)
                    {
                        Console.WriteLine("  new blocks: " + string.Join(", ", new[] { "plan.json", "graph.json", "manifest.json" }.Select(path =>
                        {
                            var had = last.Artifacts.Single(a => a.Key == path).Value.PartSources.ToHashSet(ReferenceEqualityComparer.Instance);
                            var made = result.Artifacts.Single(a => a.Key == path).Value;
                            var fresh = Enumerable.Range(0, made.Parts.Count).Where(k => !had.Contains(made.PartSources[k])).ToList();
                            return $"{path} {fresh.Count} of {made.Parts.Count} ({fresh.Sum(k => (long)made.Parts[k].Length) / 1024} KiB)";
                        })));
                    }
                }

                last = result;
                if (args.Contains("--from-original"))
                {
                    // As the benchmark measures an edit: always against the project as generated (a whole-project cache hit, untimed).
                    last = compiler.Compile(project, options);
                }
            }

            editTypes?.Print();
            Hold(args, compiler);
            return 0;
        }

        using var coldTypes = args.Contains("--types") ? new AllocationTypes() : null; // --types: what cold builds allocate, by type
        using var collections = args.Contains("--gc") ? new Collections() : null; // --gc: each collection's pause and what it promoted
        var coldOptions = HyperOptions.Default with { Tier = tier };
        if (args.Contains("--sequential"))
        {
            coldOptions = coldOptions with { Profile = TierProfile.For(tier) with { Parallel = false } }; // stage by stage, each timed on its own
        }

        for (var i = 0; i < repeat; i++)
        {
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var pause = GC.GetTotalPauseDuration();
            var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var watch = Stopwatch.StartNew();
            var result = new HyperCompiler().Compile(project, coldOptions);
            Console.WriteLine($"{tier.Name()} cold {watch.ElapsedMilliseconds} ms (GC pauses {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:0} ms: {GC.CollectionCount(0) - gen0} gen0, {GC.CollectionCount(1) - gen1} gen1, {GC.CollectionCount(2) - gen2} gen2), allocated {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1048576} MiB, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MiB: " + CompileBenchmark.StageTimes(result.Metrics));
        }

        coldTypes?.Print();
        return 0;
    }

    /// <summary>A hash over everything a plan lists (tasks with their waits and batches, the order, the batches, the critical path).</summary>
    private static ulong PlanHash(Grump.Hyper.Compiler.Planning.Plan plan)
    {
        var hash = new System.IO.Hashing.XxHash64();
        void Add(string text) => hash.Append(System.Text.Encoding.UTF8.GetBytes(text + "\n"));
        foreach (var task in plan.Tasks)
        {
            Add($"{task.Id} {task.Batch} {task.Description} {task.Risk} {task.EstimatedSeconds} {string.Join(',', task.Tools)} <- {string.Join(',', task.DependsOn)}");
        }

        Add(string.Join(',', plan.ExecutionOrder));
        foreach (var batch in plan.ParallelBatches)
        {
            Add(string.Join(',', batch));
        }

        Add($"{string.Join(',', plan.CriticalPath.Tasks)} {plan.EstimatedDurationSeconds} {plan.SequentialSeconds} {plan.Risk.Level} {string.Join(',', plan.Risk.RiskFactors)}");
        return hash.GetCurrentHashAsUInt64();
    }

    /// <summary>--hold: keep the warm compiler alive until stdin closes, for dotnet-gcdump to see what a build leaves behind.</summary>
    private static void Hold(string[] args, HyperCompiler compiler)
    {
        if (!args.Contains("--hold"))
        {
            return;
        }

        Console.WriteLine($"holding process {Environment.ProcessId}; close stdin to end");
        Console.In.ReadToEnd();
        GC.KeepAlive(compiler);
    }

    /// <summary>--gc: one line per collection, from the runtime's events: generation, reason, pause, bytes promoted out of gen0 and gen1.</summary>
    private sealed class Collections : System.Diagnostics.Tracing.EventListener
    {
        private DateTime _suspended;
        private string _started = "";

        protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Informational, (System.Diagnostics.Tracing.EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
        {
            object? Field(string name) => e.PayloadNames is { } names && names.IndexOf(name) is var i and >= 0 ? e.Payload![i] : null;
            switch (e.EventName)
            {
                case { } n when n.StartsWith("GCSuspendEEBegin", StringComparison.Ordinal):
                    _suspended = e.TimeStamp;
                    break;
                case { } n when n.StartsWith("GCStart", StringComparison.Ordinal):
                    _started = $"gen{Field("Depth")} ({Field("Reason")})";
                    break;
                case { } n when n.StartsWith("GCHeapStats", StringComparison.Ordinal):
                    Console.WriteLine($"  gc {_started}: promoted gen0 {Convert.ToInt64(Field("TotalPromotedSize0"), System.Globalization.CultureInfo.InvariantCulture) / 1048576.0:0.0} MiB, gen1 {Convert.ToInt64(Field("TotalPromotedSize1"), System.Globalization.CultureInfo.InvariantCulture) / 1048576.0:0.0} MiB, gen2 size {Convert.ToInt64(Field("GenerationSize2"), System.Globalization.CultureInfo.InvariantCulture) / 1048576.0:0} MiB, LOH {Convert.ToInt64(Field("GenerationSize3"), System.Globalization.CultureInfo.InvariantCulture) / 1048576.0:0} MiB, POH {Convert.ToInt64(Field("GenerationSize4"), System.Globalization.CultureInfo.InvariantCulture) / 1048576.0:0} MiB");
                    break;
                case { } n when n.StartsWith("GCRestartEEEnd", StringComparison.Ordinal):
                    Console.WriteLine($"    paused {(e.TimeStamp - _suspended).TotalMilliseconds:0} ms");
                    break;
            }
        }
    }

    /// <summary>--types: the runtime's allocation samples (one per ~100 KB allocated) counted by type, for where the bytes go.</summary>
    private sealed class AllocationTypes : System.Diagnostics.Tracing.EventListener
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _bytes = new();

        protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
        {
            if (e.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && e.PayloadNames is { } names)
            {
                var type = e.Payload![names.IndexOf("TypeName")] as string ?? "?";
                var amount = Convert.ToInt64(e.Payload[names.IndexOf("AllocationAmount64")], System.Globalization.CultureInfo.InvariantCulture);
                _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
            }
        }

        public void Print()
        {
            var total = _bytes.Values.Sum();
            foreach (var (type, bytes) in _bytes.OrderByDescending(p => p.Value).Take(30))
            {
                Console.WriteLine($"  {bytes * 100.0 / total,5:0.0}%  {type}");
            }
        }
    }
}
