using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Grump.Hyper.Compiler.Planning;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>
/// The big documents (plan.json, graph.json, manifest.json) are written one entry per line: compact
/// JSON (a third of the indented size), still readable and diffable line by line, and made of
/// fragments, so a build reuses the bytes of every entry that did not change and the document is laid
/// out as references to them, never copied together.
/// </summary>
internal sealed class LineDocument
{
    /// <summary>What ends every line but the last of a list.</summary>
    internal static readonly byte[] Comma = ",\n"u8.ToArray();
    private static readonly byte[] Newline = "\n"u8.ToArray();
    private static readonly byte[] Open = "["u8.ToArray();
    private static readonly byte[] Close = "]"u8.ToArray();
    private static readonly byte[] Separator = ","u8.ToArray();
    /// <summary>
    /// The parts laid out so far, in an array sized up front from the document's entry counts: a plan of 40,000
    /// tasks is 80,000 parts, and growing a list to that by doubling was a fifth of an incremental emit (measured).
    /// </summary>
    private ReadOnlyMemory<byte>[] _parts;
    private int _count;

    /// <param name="lines">About how many lines the document has (each takes a separator too).</param>
    public LineDocument(int lines = 16) => _parts = new ReadOnlyMemory<byte>[(2 * lines) + 32];

    private void Add(ReadOnlyMemory<byte> part)
    {
        if (_count == _parts.Length)
        {
            Array.Resize(ref _parts, _parts.Length * 2);
        }

        _parts[_count++] = part;
    }

    public LineDocument Raw(string text)
    {
        Add(Encoding.UTF8.GetBytes(text));
        return this;
    }

    /// <summary>Each item on a line of its own, comma-separated, with a newline after the last.</summary>
    public LineDocument Lines<T>(IReadOnlyList<T> items, Func<T, byte[]> render)
    {
        var first = true;
        for (var i = 0; i < items.Count; i++)
        {
            // A rendered item may be several lines (a module's edges) or none.
            var lines = render(items[i]);
            if (lines.Length == 0)
            {
                continue;
            }

            if (!first)
            {
                Add(Comma);
            }

            Add(lines);
            first = false;
        }

        if (!first)
        {
            Add(Newline);
        }

        return this;
    }

    /// <summary>Lines kept in slots by position: an empty slot is rendered (by its index) and filled, for the next build to find.</summary>
    public LineDocument Lines(byte[]?[] slots, Func<int, byte[]> render)
    {
        for (var i = 0; i < slots.Length; i++)
        {
            if (i > 0)
            {
                Add(Comma);
            }

            Add(slots[i] ??= render(i));
        }

        if (slots.Length > 0)
        {
            Add(Newline);
        }

        return this;
    }

    /// <summary>One JSON array made of the insides of several (each <c>[...]</c>, on one line), as slices of them.</summary>
    public LineDocument Joined(byte[][] arrays)
    {
        Add(Open);
        var first = true;
        foreach (var array in arrays)
        {
            if (array.Length <= 2)
            {
                continue; // []
            }

            if (!first)
            {
                Add(Separator);
            }

            Add(array.AsMemory(1, array.Length - 2));
            first = false;
        }

        Add(Close);
        return this;
    }

    /// <summary>The document; with <paramref name="blocks"/>, a composite of content-defined blocks (see <see cref="DocumentBlocks"/>).</summary>
    public ArtifactContent ToContent(DocumentBlocks? blocks = null)
    {
        // The array itself, whatever its spare room: the content owns it from here (blocks take an exact copy).
        var (parts, count) = (_parts, _count);
        _parts = [];
        _count = 0;
        return blocks is null ? ArtifactContent.Concat(parts, count) : blocks.Compose(count == parts.Length ? parts : parts.AsSpan(0, count).ToArray());
    }

    /// <summary>
    /// A JSON array (no spaces, as the serializer writes one) of the values in slots from..from+count, each slot
    /// rendered when empty; the same bytes as serialising the list, copied once into one array.
    /// </summary>
    public static byte[] JsonArray(byte[]?[] slots, int from, int count, Func<int, byte[]> render)
    {
        var length = 2 + Math.Max(0, count - 1);
        for (var i = from; i < from + count; i++)
        {
            length += (slots[i] ??= render(i)).Length;
        }

        var array = new byte[length];
        array[0] = (byte)'[';
        var at = 1;
        for (var i = from; i < from + count; i++)
        {
            if (i > from)
            {
                array[at++] = (byte)',';
            }

            slots[i]!.CopyTo(array, at);
            at += slots[i]!.Length;
        }

        array[at] = (byte)']';
        return array;
    }
}

/// <summary>
/// Rendered lines by key (a task or module id, an input path), each with the value it rendered: a build
/// asking for the same key with an equal value gets the very same bytes back. Entries no build asked
/// for since the one before are dropped, so the cache holds about one build's lines. One cache per
/// document; a document is rendered by one thread.
/// </summary>
public sealed class FragmentCache<T>(Func<T, T, bool> same)
    where T : notnull
{
    private Dictionary<string, (T Value, byte[] Line, int Build)> _lines = new(StringComparer.Ordinal);
    private int _build;

    /// <summary>Lines rendered in this build (new or changed values).</summary>
    public int Rendered { get; private set; }

    /// <summary>Lines this build took from an earlier one.</summary>
    public int Reused { get; private set; }

    public byte[] Get(string key, T value, Func<T, byte[]> render)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_lines, key, out var found);
        if (found && same(entry.Value, value))
        {
            Reused++;
            entry.Build = _build;
            return entry.Line;
        }

        Rendered++;
        entry = (value, render(value), _build);
        return entry.Line;
    }

    /// <summary>A line for a slot the plan carries (so no lookup): counted as rendered; counted as reused by <see cref="Reuse"/>.</summary>
    public byte[] Fill(T value, Func<T, byte[]> render)
    {
        Rendered++;
        return render(value);
    }

    public void Reuse(int lines) => Reused += lines;

    public void EndBuild()
    {
        if (_lines.Count > 2 * (Rendered + Reused))
        {
            var build = _build;
            _lines = _lines.Where(e => e.Value.Build == build).ToDictionary(StringComparer.Ordinal);
        }

        _build++;
        Rendered = 0;
        Reused = 0;
    }
}

/// <summary>The compact shape of one line: the artifacts' naming and null handling, without indentation.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PlanTask))]
[JsonSerializable(typeof(CriticalPath))]
[JsonSerializable(typeof(RiskSummary))]
[JsonSerializable(typeof(ImmutableArray<string>))]
[JsonSerializable(typeof(GraphModule))]
[JsonSerializable(typeof(GraphEdge))]
[JsonSerializable(typeof(GraphFeature))]
[JsonSerializable(typeof(InputEntry))]
[JsonSerializable(typeof(ManifestModule))]
[JsonSerializable(typeof(ChunkEntry))]
[JsonSerializable(typeof(CompilerStamp))]
[JsonSerializable(typeof(ProjectStamp))]
[JsonSerializable(typeof(DiagnosticCounts))]
[JsonSerializable(typeof(string))]
internal sealed partial class LineJson : JsonSerializerContext
{
    public static byte[] Of<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) => JsonSerializer.SerializeToUtf8Bytes(value, info);
}

/// <summary>
/// Lines of a list that mostly comes back as it was (the linked modules, in link order): an item whose key is
/// the very object that stood at the same position last build keeps that build's line, with no lookup by id.
/// Anything else goes to the value-keyed cache behind it. Keys are compared by reference only, so a stale
/// entry can never be taken for a new value.
/// </summary>
public sealed class PositionalLines
{
    private object[] _keys = [];
    private byte[][] _lines = [];

    /// <param name="reused">Told how many lines were kept (counted with the cache's reuse, for the step reasons).</param>
    public byte[][] Of<T>(IReadOnlyList<T> items, Func<T, object> key, Func<T, byte[]> render, Action<int> reused) =>
        Of(items.Count, i => key(items[i]), i => render(items[i]), reused);

    /// <summary>The same by position alone, for lines whose key is found by index.</summary>
    public byte[][] Of(int count, Func<int, object> key, Func<int, byte[]> render, Action<int> reused)
    {
        var keys = new object[count];
        var lines = new byte[count][];
        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            keys[i] = key(i);
            if (i < _keys.Length && ReferenceEquals(_keys[i], keys[i]))
            {
                lines[i] = _lines[i];
                kept++;
            }
            else
            {
                lines[i] = render(i);
            }
        }

        reused(kept);
        (_keys, _lines) = (keys, lines);
        return lines;
    }
}

/// <summary>The line caches of the three big documents; kept by the engine between builds of one project.</summary>
public sealed class DocumentFragments
{
    /// <summary>The blocks of plan.json, graph.json and manifest.json, each kept from the build before.</summary>
    public DocumentBlocks PlanBlocks { get; } = new();

    public DocumentBlocks GraphBlocks { get; } = new();

    public DocumentBlocks ManifestBlocks { get; } = new();

    /// <summary>By task id: the planner hands back the very same task object when nothing about it changed.</summary>
    public FragmentCache<PlanTask> Tasks { get; } = new(ReferenceEquals);

    public FragmentCache<GraphModule> GraphModules { get; } = new((a, b) => a == b);

    /// <summary>By module id, all its edges as one block of lines (the same array when the link was reused).</summary>
    public FragmentCache<ImmutableArray<string>> GraphEdges { get; } = new((a, b) => a == b || a.SequenceEqual(b));

    public FragmentCache<PlanTask> GraphFeatures { get; } = new(ReferenceEquals);

    /// <summary>graph.json's module nodes and edges and manifest.json's modules, by link position.</summary>
    public PositionalLines GraphModulesByPosition { get; } = new();

    public PositionalLines GraphEdgesByPosition { get; } = new();

    public PositionalLines ManifestModulesByPosition { get; } = new();

    /// <summary>manifest.json's inputs by position, keyed by the source file object (immutable: the same object, the same line).</summary>
    public PositionalLines InputsByPosition { get; } = new();

    /// <summary>manifest.json's chunks by position, keyed by the chunk object (a rechunk keeps unchanged chunks, and their places).</summary>
    public PositionalLines ChunksByPosition { get; } = new();

    public FragmentCache<InputEntry> Inputs { get; } = new((a, b) => a == b);

    public FragmentCache<ManifestModule> ManifestModules { get; } = new((a, b) => a == b);

    /// <summary>By chunk file: the file name carries the hash of the chunk's contents.</summary>
    public FragmentCache<ChunkEntry> Chunks { get; } = new((a, b) => a.Name == b.Name && a.Kind == b.Kind);

    /// <summary>manifest.json's routes and lazy chunks, by route: the same chunk list (the very array) keeps its line.</summary>
    public FragmentCache<ImmutableArray<string>> Routes { get; } = new((a, b) => a == b);

    public FragmentCache<ImmutableArray<string>> LazyChunks { get; } = new((a, b) => a == b);

    private IEnumerable<(int Rendered, int Reused)> All() =>
    [
        (Tasks.Rendered, Tasks.Reused), (GraphModules.Rendered, GraphModules.Reused), (GraphEdges.Rendered, GraphEdges.Reused),
        (GraphFeatures.Rendered, GraphFeatures.Reused), (Inputs.Rendered, Inputs.Reused), (ManifestModules.Rendered, ManifestModules.Reused), (Chunks.Rendered, Chunks.Reused),
        (Routes.Rendered, Routes.Reused), (LazyChunks.Rendered, LazyChunks.Reused),
    ];

    /// <summary>Lines rendered and reused by the last build (read before <see cref="EndBuild"/>).</summary>
    public (int Rendered, int Reused) Counts() => (All().Sum(c => c.Rendered), All().Sum(c => c.Reused));

    public void EndBuild()
    {
        Tasks.EndBuild();
        GraphModules.EndBuild();
        GraphEdges.EndBuild();
        GraphFeatures.EndBuild();
        Inputs.EndBuild();
        ManifestModules.EndBuild();
        Chunks.EndBuild();
        Routes.EndBuild();
        LazyChunks.EndBuild();
    }
}
