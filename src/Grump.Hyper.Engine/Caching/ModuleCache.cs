using System.Collections.Concurrent;
using Grump.Hyper.Compiler;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Engine.Caching;

/// <summary>
/// Compiled modules by content: key = sha256(source) + path + vendor flag + compiler version + options.
/// The path is in the key because the default module id and every diagnostic location come from it.
/// Bounded by an estimate of bytes held; the oldest entries go first.
/// </summary>
public sealed class ModuleCache
{
    private readonly ConcurrentDictionary<string, (ModuleResult Result, long Bytes)> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private readonly long _maxBytes;
    private long _bytes;
    private long _hits;
    private long _misses;
    private long _bytesServed;

    public ModuleCache(long maxBytes = 256L * 1024 * 1024) => _maxBytes = maxBytes;

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    public long BytesServed => Interlocked.Read(ref _bytesServed);

    public int Count => _entries.Count;

    public static string Key(SourceFile file, bool vendor, CompilationOptions options) =>
        $"{file.Sha256}|{file.Path}|{(vendor ? 'v' : '-')}|{CompilerInfo.Version}|{options.Fingerprint}";

    public ModuleResult GetOrCompile(SourceFile file, bool vendor, CompilationOptions options)
    {
        var key = Key(file, vendor, options);
        if (_entries.TryGetValue(key, out var hit))
        {
            Interlocked.Increment(ref _hits);
            Interlocked.Add(ref _bytesServed, file.Content.Length);
            return hit.Result;
        }

        Interlocked.Increment(ref _misses);
        var result = ModuleCompiler.Compile(file, vendor, options);

        // A compiled module is several times its source (sentences, spans, lists): 4x is a fair estimate.
        var size = (file.Content.Length * 4L) + 1024;
        if (_entries.TryAdd(key, (result, size)))
        {
            _order.Enqueue(key);
            Interlocked.Add(ref _bytes, size);
            while (Interlocked.Read(ref _bytes) > _maxBytes && _order.TryDequeue(out var oldest))
            {
                if (_entries.TryRemove(oldest, out var removed))
                {
                    Interlocked.Add(ref _bytes, -removed.Bytes);
                }
            }
        }

        return result;
    }
}
