using System.Collections.Concurrent;
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
/// In-process (L1), bounded by an estimate of bytes held. A Bloom filter answers "surely never
/// compiled" without touching the table (and, with a shared L2, without a round trip); a Count-Min
/// sketch of how often each key is asked for decides admission when full (W-TinyLFU: a newcomer
/// evicts the oldest entry only if it is asked for at least as often); a HyperLogLog counts the
/// distinct sources seen.
/// </summary>
public sealed class ModuleCache
{
    private readonly ConcurrentDictionary<string, (ModuleResult Result, long Bytes)> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private readonly BloomFilter _seen = new(1_000_000, 0.01);
    private readonly CountMinSketch _frequency = new(0.0005, 0.01);
    private readonly HyperLogLog _distinct = new(14);
    private readonly long _maxBytes;
    private long _bytes;
    private long _requests;

    private readonly IModuleStore? _l2;

    public ModuleCache(long maxBytes = 256L * 1024 * 1024, IModuleStore? l2 = null)
    {
        _maxBytes = maxBytes;
        _l2 = l2;
    }

    /// <summary>Whether L1 holds this file's module now (no counting, no admission).</summary>
    public bool Contains(SourceFile file, bool vendor, CompilationOptions options) => _entries.ContainsKey(Key(file, vendor, options));

    /// <summary>The shared second level, or null (L1 only).</summary>
    public string Level2 => _l2?.Name ?? "none";

    /// <summary>
    /// Before a build: every key not in L1 is asked of L2 in batches (one round trip per batch, not per
    /// file) and what comes back is admitted to L1. The Bloom filter is not consulted here: it knows only
    /// this process, and other processes fill L2.
    /// </summary>
    public void Prefetch(IReadOnlyList<(SourceFile File, bool Vendor)> sources, CompilationOptions options, CacheCounters counters)
    {
        if (_l2 is null)
        {
            return;
        }

        var missing = sources.Select(s => (s.File, Key: Key(s.File, s.Vendor, options))).Where(s => !_entries.ContainsKey(s.Key)).ToList();
        foreach (var batch in missing.Chunk(512))
        {
            var values = _l2.GetMany([.. batch.Select(b => b.Key)]);
            for (var i = 0; i < batch.Length; i++)
            {
                if (values[i] is { } bytes && ModuleCodec.Decode(bytes) is { } result && result.Path == batch[i].File.Path)
                {
                    counters.L2Hit(bytes.Length);
                    Admit(batch[i].Key, result, EstimateBytes(batch[i].File, result));
                }
            }
        }
    }

    public int Count => _entries.Count;

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Distinct sources seen, estimated (HyperLogLog, about 0.8% error).</summary>
    public long DistinctSources => _distinct.Count();

    public static string Key(SourceFile file, bool vendor, CompilationOptions options) =>
        $"{file.Sha256}|{file.Path}|{(vendor ? 'v' : '-')}|{CompilerInfo.Version}|{options.Fingerprint}";

    public ModuleResult GetOrCompile(SourceFile file, bool vendor, CompilationOptions options, CacheCounters counters, MatcherSet? matchers = null, SourceHints? hints = null)
    {
        var key = Key(file, vendor, options);
        _frequency.Add(key);
        _distinct.Add(file.Sha256);
        if (Interlocked.Increment(ref _requests) % 1_000_000 == 0)
        {
            _frequency.Halve(); // popularity fades, so yesterday's hot keys do not squat forever
        }

        var maybeCached = _seen.MightContain(key);
        if (maybeCached && _entries.TryGetValue(key, out var hit))
        {
            counters.Hit(file.Content.Length);
            return hit.Result;
        }

        counters.Miss(bloomSaidNo: !maybeCached);
        var result = ModuleCompiler.Compile(file, vendor, options, matchers, hints);
        _l2?.Put(key, ModuleCodec.Encode(result));
        Admit(key, result, EstimateBytes(file, result));
        return result;
    }

    /// <summary>What an entry holds, roughly: the module's objects are a few times its JSON, and the JSON is kept too.</summary>
    public static long EstimateBytes(SourceFile file, ModuleResult result) =>
        (file.Content.Length * 2L) + ((result.Rendered?.Length ?? 0) * 4L) + 1024;

    private void Admit(string key, ModuleResult result, long size)
    {
        while (Interlocked.Read(ref _bytes) + size > _maxBytes && _order.TryPeek(out var oldest))
        {
            // W-TinyLFU admission: keep the resident entry if it is wanted more than the newcomer.
            if (_frequency.Estimate(oldest) > _frequency.Estimate(key) && _entries.ContainsKey(oldest))
            {
                return;
            }

            if (_order.TryDequeue(out var victim) && _entries.TryRemove(victim, out var removed))
            {
                Interlocked.Add(ref _bytes, -removed.Bytes);
            }
        }

        if (_entries.TryAdd(key, (result, size)))
        {
            _seen.Add(key);
            _order.Enqueue(key);
            Interlocked.Add(ref _bytes, size);
        }
    }
}
