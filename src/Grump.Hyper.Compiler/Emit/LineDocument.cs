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
/// fragments, so a build reuses the bytes of every entry that did not change.
/// </summary>
/// <remarks>
/// A build never lays out a list of every line (a million parts at 100,000 files, a fifth of what an
/// edit allocated there). Held in memory, each list of lines is cut into segments of a few lines
/// (<see cref="LineSegments"/>): a segment whose lines are the very same arrays as last build's is its
/// run of parts again, checked by reference, so an edit lays out only the segments it touched. As a composite for a
/// store, the lines go to the document's content-defined blocks (<see cref="DocumentBlocks"/>) instead.
/// </remarks>
internal sealed class LineDocument
{
    /// <summary>What ends every line but the last of a list.</summary>
    internal static readonly byte[] Comma = ",\n"u8.ToArray();
    internal static readonly byte[] Newline = "\n"u8.ToArray();
    private static readonly byte[] Open = "["u8.ToArray();
    private static readonly byte[] Close = "]"u8.ToArray();
    private static readonly byte[] Separator = ","u8.ToArray();
    private readonly DocumentMemo _memo;
    private readonly bool _composite;

    /// <summary>A held document's runs of parts (a segment's, or the parts between lists), and the parts since the last run.</summary>
    private readonly List<ReadOnlyMemory<byte>[]> _runs = [];
    private readonly List<ReadOnlyMemory<byte>> _loose = [];

    /// <summary>A held document's bytes so far, counted as its parts are laid out (kept runs carry their own count).</summary>
    private long _bytes;

    /// <param name="composite">Whether the document is to be a composite of blocks, for a content-addressed store.</param>
    public LineDocument(DocumentMemo memo, bool composite)
    {
        (_memo, _composite) = (memo, composite);
        if (composite)
        {
            memo.Blocks.Begin();
        }
        else
        {
            memo.Segments.Begin();
            memo.Pages.Begin();
        }
    }

    private void Add(ReadOnlyMemory<byte> part)
    {
        if (_composite)
        {
            _memo.Blocks.Add(part);
        }
        else
        {
            _loose.Add(part);
            _bytes += part.Length;
        }
    }

    private void EndRun()
    {
        if (_loose.Count > 0)
        {
            _runs.Add([.. _loose]);
            _loose.Clear();
        }
    }

    public LineDocument Raw(string text)
    {
        Add(Encoding.UTF8.GetBytes(text));
        return this;
    }

    /// <summary>Each item on a line of its own, comma-separated, with a newline after the last.</summary>
    public LineDocument Lines<T>(IReadOnlyList<T> items, Func<T, byte[]> render)
    {
        // A rendered item may be several lines (a module's edges) or none; the ones with bytes, in order.
        var lines = _memo.Scratch(items.Count);
        var n = 0;
        for (var i = 0; i < items.Count; i++)
        {
            if (render(items[i]) is { Length: > 0 } line)
            {
                lines[n++] = line;
            }
        }

        Write(lines.AsSpan(0, n));
        lines.AsSpan(0, n).Clear(); // the scratch keeps no line alive
        return this;
    }

    /// <summary>Each line on a line of its own, as <see cref="Lines{T}"/>, without a copy when none is empty (an item with no lines).</summary>
    public LineDocument Lines(byte[][] lines)
    {
        if (Array.Exists(lines, static l => l.Length == 0))
        {
            return Lines(lines, static b => b);
        }

        Write(lines);
        return this;
    }

    /// <summary>Each position's line on a line of its own, as <see cref="Lines(byte[][])"/>: a held document takes the pages as they were laid out.</summary>
    public LineDocument Lines(PositionalLines lines)
    {
        if (_composite)
        {
            return Lines(lines.Lines);
        }

        EndRun();
        _bytes += lines.Lay(_runs);
        return this;
    }

    /// <summary>Lines kept in slots of a paged list's entries: an empty slot is rendered (from its entry) and filled, for the next build to find.</summary>
    /// <param name="parallel">Many empty slots (a first build's) are rendered on every core: the render is then called side by side.</param>
    /// <param name="filled">How many slots were empty.</param>
    public LineDocument Lines<T>(PagedList<T> entries, LineSlot<T> slot, Func<T, byte[]> render, bool parallel, out int filled)
    {
        if (!_composite)
        {
            filled = HeldPages(entries, slot, render, parallel);
            return this;
        }

        var lines = _memo.Scratch(entries.Count);
        filled = entries.Fill(lines, slot, render, parallel && entries.EmptySlots(slot) >= ParallelFillFrom);
        Write(lines.AsSpan(0, entries.Count));
        lines.AsSpan(0, entries.Count).Clear(); // the scratch keeps no line alive
        return this;
    }

    /// <summary>
    /// A held document's lines of a paged list, a run of parts per page: a page the build before laid out (the very
    /// array, which a splice never writes but to fill an empty slot, and every slot of a laid-out page is filled) is
    /// its run again, so an edit visits the pages it changed, not every line (the plan's 408,000 tasks and graph.json's
    /// as many features at 100,000 files were most of the lines an edit walked).
    /// </summary>
    private int HeldPages<T>(PagedList<T> entries, LineSlot<T> slot, Func<T, byte[]> render, bool parallel)
    {
        EndRun();
        var pages = entries.Pages;
        var runs = new (ReadOnlyMemory<byte>[] Run, long Bytes)[pages.Length];
        var fresh = new List<int>();
        for (var p = 0; p < pages.Length; p++)
        {
            // The last page ends the list with a newline, not a comma: never taken from the cache.
            if (p == pages.Length - 1 || !_memo.Pages.TryGet(pages[p]!, out runs[p]))
            {
                fresh.Add(p);
            }
        }

        var filled = 0;
        var pageArray = pages.ToArray();
        var many = parallel && fresh.Count > 1 && fresh.Sum(p => pageArray[p].Length) >= ParallelFillFrom;
        void Lay(int p)
        {
            var lines = new byte[pageArray[p].Length][];
            Interlocked.Add(ref filled, entries.FillPage(p, lines, slot, render));
            var run = new ReadOnlyMemory<byte>[2 * lines.Length];
            long bytes = 0;
            for (var i = 0; i < lines.Length; i++)
            {
                run[2 * i] = lines[i];
                run[(2 * i) + 1] = p == pageArray.Length - 1 && i == lines.Length - 1 ? Newline : Comma;
                bytes += lines[i].Length + run[(2 * i) + 1].Length;
            }

            runs[p] = (run, bytes);
        }

        if (many)
        {
            Parallel.ForEach(fresh, Lay);
        }
        else
        {
            fresh.ForEach(Lay);
        }

        for (var p = 0; p < runs.Length; p++)
        {
            _runs.Add(runs[p].Run);
            _bytes += runs[p].Bytes;
            if (p < runs.Length - 1)
            {
                _memo.Pages.Keep(pageArray[p], runs[p]);
            }
        }

        return filled;
    }

    /// <summary>
    /// From this many empty slots a document renders them on every core: a first build's 40,000 plan.json lines were
    /// the longest of the documents written side by side, so the other core waited for it.
    /// </summary>
    private const int ParallelFillFrom = 2048;

    private void Write(ReadOnlySpan<byte[]> lines)
    {
        if (!_composite)
        {
            EndRun();
            _bytes += _memo.Segments.Write(lines, _runs);
            return;
        }

        for (var i = 0; i < lines.Length; i++)
        {
            Add(lines[i]);
            Add(i < lines.Length - 1 ? Comma : Newline);
        }
    }

    /// <summary>Parts kept as they are: a run of the held document (never copied), or each into the composite's blocks.</summary>
    private void Run(ReadOnlyMemory<byte>[] parts)
    {
        if (parts.Length == 0)
        {
            return;
        }

        if (_composite)
        {
            foreach (var part in parts)
            {
                Add(part);
            }

            return;
        }

        EndRun();
        _runs.Add(parts);
        _bytes += ArtifactContent.LengthOf([parts]);
    }

    /// <summary>One JSON array made of the insides of several batch lines.</summary>
    public LineDocument Joined(BatchLine[] arrays)
    {
        Add(Open);
        var first = true;
        foreach (var array in arrays)
        {
            if (array.Inside.Length == 0)
            {
                continue; // []
            }

            if (!first)
            {
                Add(Separator);
            }

            Run(array.Inside);
            first = false;
        }

        Add(Close);
        return this;
    }

    /// <summary>Each batch on a line of its own, as <see cref="Lines(byte[][])"/> does with lines.</summary>
    public LineDocument Lines(BatchLine[] lines)
    {
        for (var i = 0; i < lines.Length; i++)
        {
            Add(Open);
            Run(lines[i].Inside);
            Add(Close);
            Add(i < lines.Length - 1 ? Comma : Newline);
        }

        return this;
    }

    /// <summary>The document: a composite of blocks, or its parts end to end.</summary>
    public ArtifactContent ToContent()
    {
        if (_composite)
        {
            return _memo.Blocks.End();
        }

        _memo.Segments.EndDocument();
        _memo.Pages.End();
        EndRun();
        return ArtifactContent.Runs([.. _runs], _bytes);
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

    /// <summary>Lines rendered for slots the plan carries (so no lookup); the rest are counted by <see cref="Reuse"/>.</summary>
    public void Filled(int lines) => Rendered += lines;

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
[JsonSerializable(typeof(IReadOnlyList<string>))]
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
/// entry can never be taken for a new value. A held document lays the lines out a page of positions at a time
/// (<see cref="Lay"/>): a page none of whose lines changed is its run of the build before.
/// </summary>
public sealed class PositionalLines
{
    /// <summary>Positions a page (256).</summary>
    private const int PageShift = 8;

    private object[] _keys = [];
    private byte[][] _lines = [];

    /// <summary>Each page's run as last laid out; none once a line in it changed (or before it was laid out).</summary>
    private PageRun?[] _pages = [];

    /// <param name="Parts">The page's lines that have bytes, each with its separator.</param>
    /// <param name="Bytes">The bytes of its parts.</param>
    /// <param name="Last">Whether it holds the list's last line (a newline after it, not a comma).</param>
    private sealed record PageRun(ReadOnlyMemory<byte>[] Parts, long Bytes, bool Last);

    /// <summary>The lines by position, as the last <see cref="Of(int, Func{int, object}, Func{int, byte[]}, Action{int})"/> left them (an item with no lines has an empty one).</summary>
    internal byte[][] Lines => _lines;

    /// <param name="reused">Told how many lines were kept (counted with the cache's reuse, for the step reasons).</param>
    public PositionalLines Of<T>(IReadOnlyList<T> items, Func<T, object> key, Func<T, byte[]> render, Action<int> reused) =>
        Of(items.Count, i => key(items[i]), i => render(items[i]), reused);

    /// <summary>The same by position alone, for lines whose key is found by index.</summary>
    /// <remarks>
    /// The arrays are updated in place, only where a key changed: they live as long as the project (so in the
    /// oldest generation), and storing all of a build's references into them again, the same ones, cost a write
    /// barrier per line (a tenth of an edit's emit). A line is stored before its key, so an exception while
    /// rendering leaves no key with another's line; its page's run is dropped first.
    /// </remarks>
    public PositionalLines Of(int count, Func<int, object> key, Func<int, byte[]> render, Action<int> reused)
    {
        if (_keys.Length != count)
        {
            // Another length: the positions moved, so nothing is kept by position.
            (_keys, _lines, _pages) = (new object[count], new byte[count][], new PageRun?[(count + (1 << PageShift) - 1) >> PageShift]);
        }

        var (keys, lines, pages) = (_keys, _lines, _pages);
        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            var k = key(i);
            if (ReferenceEquals(keys[i], k))
            {
                kept++;
            }
            else
            {
                keys[i] = null!;
                pages[i >> PageShift] = null;
                lines[i] = render(i);
                keys[i] = k;
            }
        }

        reused(kept);
        return this;
    }

    /// <summary>
    /// The lines as runs of a held document, one per page, each line but the last with a comma after it: a page whose
    /// lines are all as they were is its run again, so an edit lays out the pages it changed, not 100,000 lines a list
    /// (the segments other lists are cut into are found by a lookup per segment and a check of every line).
    /// </summary>
    /// <returns>The bytes of the runs added.</returns>
    internal long Lay(List<ReadOnlyMemory<byte>[]> runs)
    {
        var (lines, pages) = (_lines, _pages);
        var last = lines.Length - 1;
        while (last >= 0 && lines[last].Length == 0)
        {
            last--;
        }

        long bytes = 0;
        for (var p = 0; p < pages.Length && p << PageShift <= last; p++)
        {
            var (from, to) = (p << PageShift, Math.Min((p + 1) << PageShift, lines.Length));
            var holdsLast = last < to;
            if (pages[p] is not { } page || page.Last != holdsLast)
            {
                pages[p] = page = LayPage(lines, from, to, last);
            }

            if (page.Parts.Length > 0)
            {
                runs.Add(page.Parts);
                bytes += page.Bytes;
            }
        }

        return bytes;
    }

    private static PageRun LayPage(byte[][] lines, int from, int to, int last)
    {
        var count = 0;
        for (var i = from; i < to; i++)
        {
            count += lines[i].Length > 0 ? 1 : 0;
        }

        var parts = new ReadOnlyMemory<byte>[2 * count];
        long bytes = 0;
        var k = 0;
        for (var i = from; i < to; i++)
        {
            if (lines[i].Length > 0)
            {
                var separator = i == last ? LineDocument.Newline : LineDocument.Comma;
                (parts[k], parts[k + 1]) = (lines[i], separator);
                bytes += lines[i].Length + separator.Length;
                k += 2;
            }
        }

        return new PageRun(parts, bytes, last < to);
    }
}

/// <summary>The line caches of the three big documents; kept by the engine between builds of one project.</summary>
public sealed class DocumentFragments
{
    /// <summary>plan.json's batches, as pieces of ids kept from the build before.</summary>
    internal BatchPieces BatchPieces { get; } = new();

    /// <summary>How plan.json, graph.json and manifest.json were laid out, each kept from the build before.</summary>
    public DocumentMemo Plan { get; } = new();

    public DocumentMemo Graph { get; } = new();

    public DocumentMemo Manifest { get; } = new();

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

    private (ImmutableArray<Diagnostics.Diagnostic> Diagnostics, ArtifactContent Content)? _diagnostics;

    /// <summary>
    /// diagnostics.json: the build before's value when its diagnostics are equal (an edit that adds or fixes none,
    /// the usual case), else rendered. Comparing them costs far less than writing them (2,000 at 10,000 files).
    /// </summary>
    internal ArtifactContent Diagnostics(ImmutableArray<Diagnostics.Diagnostic> diagnostics, Func<ArtifactContent> render)
    {
        if (_diagnostics is { } last && last.Diagnostics.AsSpan().SequenceEqual(diagnostics.AsSpan()))
        {
            return last.Content;
        }

        var content = render();
        _diagnostics = (diagnostics, content);
        return content;
    }

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

/// <summary>How one big document was laid out by the build before: its blocks (as a composite) and its segments (held).</summary>
public sealed class DocumentMemo
{
    public DocumentBlocks Blocks { get; } = new();

    public LineSegments Segments { get; } = new();

    /// <summary>The runs of the paged lists' pages a held document laid out (see <see cref="LineDocument"/>).</summary>
    internal BuildTables<object, (ReadOnlyMemory<byte>[] Run, long Bytes)> Pages { get; } = new();

    private byte[][] _scratch = [];

    /// <summary>
    /// A buffer of at least <paramref name="length"/> lines, reused by every list of the document and every build: made
    /// with room to grow, as a project's edits add tasks (an exact size was made again by most edits).
    /// </summary>
    internal byte[][] Scratch(int length) => _scratch.Length >= length ? _scratch : _scratch = new byte[length + (length >> 4)][];
}

/// <summary>
/// The lists of one held document cut into segments of a few lines, each with its separators. A segment
/// whose lines are the very same arrays as a segment of the build before (the fragment caches hand back the
/// same array for a line that did not change) is that segment again, its lines compared by reference and
/// never read: its parts (its lines and separators, never copied together) go into the document as one run
/// (see <see cref="ArtifactContent"/>), the very array of the build before. So a build lays out a reference
/// per segment and the parts of the segments it changed, not every line.
/// </summary>
/// <remarks>
/// A segment ends after a line whose array's identity hash says so (one in <see cref="Every"/>), or at
/// <see cref="Most"/> lines, or at the end of its list; segments are found by their first line. So a line
/// added, removed or moved (the planner's order moves tasks when levels change) makes new segments only
/// around it: the next cut falls where it fell before. Cutting by identity, not by bytes, reads no byte;
/// it is free to, as a held document's bytes are the same however it is cut (a composite for a store is
/// cut by its bytes, see <see cref="DocumentBlocks"/>).
/// </remarks>
public sealed class LineSegments
{
    /// <summary>One line in this many ends a segment (about 4 KB of plan.json).</summary>
    internal const int Every = 8;

    /// <summary>No segment has more lines than this.</summary>
    internal const int Most = 32;

    /// <param name="Lines">Its lines, to know it again by reference.</param>
    /// <param name="Last">Whether it ends its list (a newline after it, not a comma).</param>
    /// <param name="Parts">Its lines and their separators, as the document's parts.</param>
    /// <param name="Bytes">The bytes of its parts.</param>
    private sealed record Segment(byte[][] Lines, bool Last, ReadOnlyMemory<byte>[] Parts, long Bytes);

    /// <summary>The segments of the build before and of this build, by their first line.</summary>
    private readonly BuildTables<byte[], Segment> _segments = new();

    /// <summary>Segments made anew and kept by the last document.</summary>
    public (int Made, int Kept) Counts { get; private set; }

    private int _made;
    private int _kept;

    /// <summary>One list's lines, as a run of parts per segment.</summary>
    /// <returns>The bytes of the runs added.</returns>
    internal long Write(ReadOnlySpan<byte[]> lines, List<ReadOnlyMemory<byte>[]> runs)
    {
        var i = 0;
        long bytes = 0;
        while (i < lines.Length)
        {
            if (_segments.TryGet(lines[i], out var kept) && i + kept.Lines.Length <= lines.Length
                && kept.Last == (i + kept.Lines.Length == lines.Length) && Same(kept.Lines, lines.Slice(i, kept.Lines.Length)))
            {
                _kept++;
                runs.Add(kept.Parts);
                bytes += kept.Bytes;
                _segments.Keep(lines[i], kept);
                i += kept.Lines.Length;
                continue;
            }

            var end = i;
            while (end < lines.Length - 1 && end - i + 1 < Most && !Cuts(lines[end]))
            {
                end++;
            }

            var these = lines[i..(end + 1)].ToArray();
            var last = end == lines.Length - 1;
            var parts = new ReadOnlyMemory<byte>[2 * these.Length];
            long length = 0;
            for (var k = 0; k < these.Length; k++)
            {
                parts[2 * k] = these[k];
                parts[(2 * k) + 1] = k < these.Length - 1 || !last ? LineDocument.Comma : LineDocument.Newline;
                length += these[k].Length + parts[(2 * k) + 1].Length;
            }

            _made++;
            bytes += length;
            var made = new Segment(these, last, parts, length);
            runs.Add(parts);
            _segments.Keep(lines[i], made);
            i = end + 1;
        }

        return bytes;
    }

    /// <summary>The document is written: its segments are the ones the next build looks for.</summary>
    internal void EndDocument()
    {
        _segments.End();
        Counts = (_made, _kept);
        (_made, _kept) = (0, 0);
    }

    /// <summary>Starts a document: whatever a document abandoned half-way (an exception while rendering) left is dropped.</summary>
    internal void Begin()
    {
        _segments.Begin();
        (_made, _kept) = (0, 0);
    }

    private static bool Cuts(byte[] line) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(line) % Every == 0;

    /// <summary>Whether the lines are the very arrays kept (by reference; their bytes are never read).</summary>
    internal static bool Same(byte[][] kept, ReadOnlySpan<byte[]> lines)
    {
        for (var i = 0; i < kept.Length; i++)
        {
            if (!ReferenceEquals(kept[i], lines[i]))
            {
                return false;
            }
        }

        return true;
    }
}
