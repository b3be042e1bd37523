using BitFaster.Caching.Lfu;
using BitFaster.Caching.Scheduler;
using Grump.Hyper.Compiler;
using Grump.Hyper.Compiler.Extraction;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Engine.Sketches;

namespace Grump.Hyper.Engine.Caching;

/// <summary>What one compile saw of the cache.</summary>
public sealed class CacheCounters
{
    private long _hits;
    private long _misses;
    private long _bloomSkips;
    private long _bytesServed;
    private long _l2Hits;
    private long _l2Bytes;

    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);
    public long BloomSkips => Interlocked.Read(ref _bloomSkips);
    public long BytesServed => Interlocked.Read(ref _bytesServed);

    /// <summary>Entries found in the shared L2 and copied into L1 before use (a subset of the hits).</summary>
    public long L2Hits => Interlocked.Read(ref _l2Hits);

    /// <summary>Bytes of cached modules read from L2 (what crossed the network).</summary>
    public long L2BytesServed => Interlocked.Read(ref _l2Bytes);

    internal void L2Hit(long bytes)
    {
        Interlocked.Increment(ref _l2Hits);
        Interlocked.Add(ref _l2Bytes, bytes);
    }

    internal void Hit(long bytes)
    {
        Interlocked.Increment(ref _hits);
        Interlocked.Add(ref _bytesServed, bytes);
    }

    /// <summary>Several hits at once, with their bytes (a build counts the modules its last build gave it so).</summary>
    internal void Hit(int hits, long bytes)
    {
        Interlocked.Add(ref _hits, hits);
        Interlocked.Add(ref _bytesServed, bytes);
    }

    internal void Miss(bool bloomSaidNo)
    {
        Interlocked.Increment(ref _misses);
        if (bloomSaidNo)
        {
            Interlocked.Increment(ref _bloomSkips);
        }
    }
}

/// <summary>
/// Compiled modules by content: key = sha256(source) + path + vendor flag + compiler version + options.
/// The path is in the key because the default module id and every diagnostic location come from it.
/// In-process (L1): BitFaster.Caching's <see cref="ConcurrentLfu{K,V}"/>, a maintained W-TinyLFU (a window
/// LRU in front of a segmented LRU, admission by a frequency sketch), so a scan of one-off sources does
/// not flush the modules that are asked for again and again, and a project a little larger than the cache
/// still hits on most of it. Bounded by entries (a module holds about 9 KB: its object graph and JSON).
/// A Bloom filter of the keys this process has held answers "surely never compiled here" without a
/// table lookup; a HyperLogLog counts the distinct sources seen. With a shared L2, a build first fetches
/// what L1 lacks in batches and uses what came back whatever L1 then keeps.
/// </summary>
public sealed class ModuleCache
{
    /// <summary>About 270 MB of modules at the benchmark's average size.</summary>
    public const int DefaultCapacity = 30_000;

    private readonly ConcurrentLfu<string, ModuleResult> _entries;
    private readonly BloomFilter _seen = new(1_000_000, 0.01);
    private readonly HyperLogLog _distinct = new(14);
    private readonly IModuleStore? _l2;

    /// <param name="capacity">Modules L1 holds, at least 3 (the policy's window, probation and protected segments).</param>
    public ModuleCache(int capacity = DefaultCapacity, IModuleStore? l2 = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 3);
        // The foreground scheduler applies the buffered reads and writes on the calling thread when the buffers
        // fill: no background thread per cache, and a build's lookups need no thread of their own to take effect.
        _entries = new ConcurrentLfu<string, ModuleResult>(Environment.ProcessorCount, capacity, new ForegroundScheduler(), StringComparer.Ordinal);
        _l2 = l2;
    }

    /// <summary>Whether L1 holds this file's module now (a read: it counts toward the entry's frequency).</summary>
    public bool Contains(SourceFile file, bool vendor, CompilationOptions options) => _entries.TryGet(Key(file, vendor, options), out _);

    /// <summary>The shared second level, or null (L1 only).</summary>
    public string Level2 => _l2?.Name ?? "none";

    /// <summary>
    /// Before a build: every key not in L1 is asked of L2 in batches (one round trip per batch, not per file).
    /// What comes back is offered to L1 and returned, so the build uses it even where L1 does not keep it (a
    /// batch larger than L1, or entries the policy evicts at once). The Bloom filter is not consulted here: it
    /// knows only this process, and other processes fill L2.
    /// </summary>
    public IReadOnlyDictionary<string, ModuleResult> Prefetch(IReadOnlyList<(SourceFile File, bool Vendor)> sources, CompilationOptions options, CacheCounters counters)
    {
        var fetched = new Dictionary<string, ModuleResult>(StringComparer.Ordinal);
        if (_l2 is null)
        {
            return fetched;
        }

        var missing = sources.Select(s => (s.File, Key: Key(s.File, s.Vendor, options))).Where(s => !_entries.TryGet(s.Key, out _)).ToList();
        foreach (var batch in missing.Chunk(512))
        {
            var values = _l2.GetMany([.. batch.Select(b => b.Key)]);

            // Decoding (a JSON parse per module) is the fetch's CPU work: side by side on the cores, as compiling is.
            var decoded = new ModuleResult?[batch.Length];
            Parallel.For(0, batch.Length, i => decoded[i] = values[i] is { } bytes ? ModuleCodec.Decode(bytes) : null);
            for (var i = 0; i < batch.Length; i++)
            {
                if (decoded[i] is { } result && result.Path == batch[i].File.Path)
                {
                    counters.L2Hit(values[i]!.Length);
                    fetched[batch[i].Key] = result;
                    Admit(batch[i].Key, result, EstimateBytes(batch[i].File, result));
                }
            }
        }

        return fetched;
    }

    public int Count => _entries.Count;

    /// <summary>
    /// The estimated bytes L1 holds now: its entry count times the mean estimate of what it admitted. Summing its
    /// entries instead walked the whole cache for every build's metrics (8 ms a build at 30,000 entries, in a trace).
    /// </summary>
    public long Bytes
    {
        get
        {
            var admitted = Interlocked.Read(ref _admitted);
            return admitted == 0 ? 0 : (long)((double)Interlocked.Read(ref _admittedBytes) / admitted * _entries.Count);
        }
    }

    private long _admitted;
    private long _admittedBytes;

    /// <summary>Distinct sources seen, estimated (HyperLogLog, about 0.8% error).</summary>
    public long DistinctSources => _distinct.Count();

    public static string Key(SourceFile file, bool vendor, CompilationOptions options) =>
        $"{file.Sha256}|{file.Path}|{(vendor ? 'v' : '-')}|{CompilerInfo.Version}|{CompilerInfo.Build}|{options.Fingerprint}";

    /// <param name="prefetched">What <see cref="Prefetch"/> returned for this build: used before L1.</param>
    public ModuleResult GetOrCompile(SourceFile file, bool vendor, CompilationOptions options, CacheCounters counters, MatcherSet? matchers = null, SourceHints? hints = null,
        IReadOnlyDictionary<string, ModuleResult>? prefetched = null)
    {
        var key = Key(file, vendor, options);
        _distinct.Add(file.Sha256);
        if (prefetched is not null && prefetched.TryGetValue(key, out var fetched))
        {
            counters.Hit(file.Size);
            return fetched;
        }

        var maybeCached = _seen.MightContain(key);
        if (maybeCached && _entries.TryGet(key, out var hit))
        {
            counters.Hit(file.Size);
            return hit;
        }

        counters.Miss(bloomSaidNo: !maybeCached);
        var result = ModuleCompiler.Compile(file, vendor, options, matchers, hints);
        _l2?.Put(key, ModuleCodec.Encode(result));
        Admit(key, result, EstimateBytes(file, result));
        return result;
    }

    /// <summary>What an entry holds, roughly: the module's objects are a few times its JSON, and the JSON is kept too.</summary>
    public static long EstimateBytes(SourceFile file, ModuleResult result) =>
        (file.Size * 2L) + ((result.Rendered?.Length ?? 0) * 4L) + 1024;

    /// <summary>Applies the reads and writes the cache has buffered (its policy runs them in batches); for tests that count.</summary>
    internal void Settle() => _entries.DoMaintenance();

    private void Admit(string key, ModuleResult result, long size)
    {
        // The key enters the Bloom filter first: a reader that the filter lets through and L1 does not hold only compiles again.
        _seen.Add(key);
        _entries.AddOrUpdate(key, result);
        Interlocked.Increment(ref _admitted);
        Interlocked.Add(ref _admittedBytes, size);
    }
}
