using System.IO.MemoryMappedFiles;

namespace Grump.Hyper.Engine.Projects;

/// <summary>
/// Large inputs read through memory maps instead of being copied into the heap whole: the page cache
/// serves the bytes and only what is read is paged in. At most <see cref="Capacity"/> files stay mapped;
/// the least recently used is unmapped first (LRU). A file is keyed by path, length and write time, so
/// one that changed is mapped afresh. Smaller files are plain reads, where a map costs more than it saves.
/// </summary>
public sealed class MappedFiles(int capacity = 16, long threshold = MappedFiles.DefaultThreshold) : IDisposable
{
    public const long DefaultThreshold = 4L * 1024 * 1024;

    private readonly LinkedList<(string Key, MemoryMappedFile File)> _lru = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, MemoryMappedFile File)>> _byKey = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public static MappedFiles Shared { get; } = new();

    public int Capacity => capacity;

    public long Threshold => threshold;

    public int OpenCount
    {
        get
        {
            lock (_gate)
            {
                return _lru.Count;
            }
        }
    }

    /// <summary>A read-only stream over the file: a view of its map when large, a file stream when small.</summary>
    public Stream Open(string path)
    {
        var info = new FileInfo(path);
        if (info.Length < threshold)
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }

        var key = $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}";
        lock (_gate)
        {
            if (_byKey.TryGetValue(key, out var node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                return node.Value.File.CreateViewStream(0, info.Length, MemoryMappedFileAccess.Read);
            }

            var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            _byKey[key] = _lru.AddFirst((key, file));
            while (_lru.Count > capacity)
            {
                // Views handed out keep their own mapping; closing the file only stops new views.
                var oldest = _lru.Last!;
                _lru.RemoveLast();
                _byKey.Remove(oldest.Value.Key);
                oldest.Value.File.Dispose();
            }

            return file.CreateViewStream(0, info.Length, MemoryMappedFileAccess.Read);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var (_, file) in _lru)
            {
                file.Dispose();
            }

            _lru.Clear();
            _byKey.Clear();
        }
    }
}
