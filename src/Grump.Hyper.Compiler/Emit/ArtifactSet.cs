using System.Collections;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>The files of one compile, by '/'-separated path, always listed in ordinal path order.</summary>
public sealed class ArtifactSet : IReadOnlyCollection<KeyValuePair<string, ArtifactContent>>
{
    public const string Manifest = "manifest.json";
    public const string Diagnostics = "diagnostics.json";
    public const string Metrics = "metrics.json";
    public const string Plan = "plan.json";
    public const string Graph = "graph.json";

    private readonly SortedDictionary<string, ArtifactContent> _files;

    public ArtifactSet()
    {
        _files = new SortedDictionary<string, ArtifactContent>(StringComparer.Ordinal);
    }

    private ArtifactSet(SortedDictionary<string, ArtifactContent> files)
    {
        _files = files;
    }

    public int Count => _files.Count;

    public long TotalBytes => _files.Values.Sum(f => f.Length);

    /// <summary>The bytes of one artifact as an array (a copy for a chunk, which is held as parts).</summary>
    public byte[] this[string path] => _files[path].ToArray();

    public void Add(string path, byte[] content) => _files.Add(path, ArtifactContent.Of(content));

    public void Add(string path, ArtifactContent content) => _files.Add(path, content);

    public void Set(string path, byte[] content) => _files[path] = ArtifactContent.Of(content);

    public void Set(string path, ArtifactContent content) => _files[path] = content;

    /// <summary>A new set of the same (immutable) values but one path: built from the sorted tree in one pass.</summary>
    public ArtifactSet Without(string path)
    {
        var copy = new ArtifactSet(new SortedDictionary<string, ArtifactContent>(_files, StringComparer.Ordinal));
        copy._files.Remove(path);
        return copy;
    }

    public bool TryGet(string path, out ArtifactContent content) => _files.TryGetValue(path, out content!);

    public IEnumerator<KeyValuePair<string, ArtifactContent>> GetEnumerator() => _files.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
