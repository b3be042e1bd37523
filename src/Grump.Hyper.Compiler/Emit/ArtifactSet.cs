using System.Collections;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>The files of one compile, by '/'-separated path, always listed in ordinal path order.</summary>
public sealed class ArtifactSet : IReadOnlyCollection<KeyValuePair<string, byte[]>>
{
    public const string Manifest = "manifest.json";
    public const string Diagnostics = "diagnostics.json";
    public const string Metrics = "metrics.json";
    public const string Plan = "plan.json";
    public const string Graph = "graph.json";

    private readonly SortedDictionary<string, byte[]> _files = new(StringComparer.Ordinal);

    public int Count => _files.Count;

    public long TotalBytes => _files.Values.Sum(f => (long)f.Length);

    public byte[] this[string path] => _files[path];

    public void Add(string path, byte[] content) => _files.Add(path, content);

    public void Set(string path, byte[] content) => _files[path] = content;

    public bool TryGet(string path, out byte[] content) => _files.TryGetValue(path, out content!);

    public IEnumerator<KeyValuePair<string, byte[]>> GetEnumerator() => _files.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
