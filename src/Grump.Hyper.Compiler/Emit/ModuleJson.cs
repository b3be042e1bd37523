using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>
/// <c>modules/&lt;id&gt;.json</c> written straight into a buffer kept per thread: the same bytes as the source-generated
/// serialiser (<see cref="ArtifactJson"/>: indented by two spaces, '\n', nulls left out, the default encoder's escaping),
/// which stays the reference the tests compare with. The serialiser was a fifth of the per-file compile, nearly all of
/// it in <see cref="Utf8JsonWriter"/>'s per-value work (state checks, indentation, escaping each string through the
/// encoder); a module's shape is fixed, so its names are written as prepared bytes and a string as its ASCII bytes
/// when none of them needs escaping (nearly every one), the encoder's escaping otherwise.
/// </summary>
public static class ModuleJson
{
    /// <summary>ASCII bytes the default encoder writes otherwise than as themselves, found by asking it (not listed by hand).</summary>
    internal static readonly SearchValues<byte> Escaped = SearchValues.Create([.. Enumerable.Range(0, 128)
        .Where(b => JsonEncodedText.Encode(((char)b).ToString()).EncodedUtf8Bytes.Length != 1)
        .Select(b => (byte)b)]);

    [ThreadStatic]
    private static byte[]? t_buffer;

    /// <summary>The most bytes <see cref="Quoted"/> writes for <paramref name="value"/>: six a char (\uXXXX) and the quotes.</summary>
    internal static int MaxQuoted(string value) => (6 * value.Length) + 2;

    /// <summary>
    /// The string as a JSON value, as the default encoder writes it, into <paramref name="to"/> (at least
    /// <see cref="MaxQuoted"/> bytes); returns the bytes written. Its ASCII bytes as they are when none needs escaping
    /// (nearly every string), else the encoder's escaping.
    /// </summary>
    internal static int Quoted(string value, Span<byte> to)
    {
        to[0] = (byte)'"';
        var inside = to[1..];
        int written;
        if (Ascii.FromUtf16(value, inside, out written) != OperationStatus.Done || inside[..written].IndexOfAny(Escaped) >= 0)
        {
            var escaped = JsonEncodedText.Encode(value).EncodedUtf8Bytes;
            escaped.CopyTo(inside);
            written = escaped.Length;
        }

        inside[written] = (byte)'"';
        return written + 2;
    }

    /// <summary>The module's JSON and a final '\n', as one array of exactly that size.</summary>
    public static byte[] Render(ModuleDocument module)
    {
        var writer = new Writer(t_buffer ??= new byte[16 * 1024]);
        writer.Module(module);
        var bytes = writer.Finish();
        if (writer.Buffer.Length <= 1 << 20)
        {
            t_buffer = writer.Buffer; // grown for a large module, kept; a huge one's is not kept for the small ones after it
        }

        return bytes;
    }

    /// <summary>The module's own members, one level in.</summary>
    private static class Top
    {
        public static readonly PropertyName Id = new("id", 1);

        public static readonly PropertyName Path = new("path", 1);

        public static readonly PropertyName Sha256 = new("sha256", 1);

        public static readonly PropertyName Bytes = new("bytes", 1);

        public static readonly PropertyName Title = new("title", 1);

        public static readonly PropertyName Route = new("route", 1);

        public static readonly PropertyName Lazy = new("lazy", 1);

        public static readonly PropertyName Priority = new("priority", 1);

        public static readonly PropertyName Vendor = new("vendor", 1);

        public static readonly PropertyName Tags = new("tags", 1);

        public static readonly PropertyName Depends = new("depends", 1);

        public static readonly PropertyName Actors = new("actors", 1);

        public static readonly PropertyName Features = new("features", 1);

        public static readonly PropertyName Tech = new("tech", 1);

        public static readonly PropertyName DataFlows = new("dataFlows", 1);

        public static readonly PropertyName ProjectType = new("projectType", 1);

        public static readonly PropertyName Architecture = new("architecture", 1);

        public static readonly PropertyName Complexity = new("complexity", 1);

        public static readonly PropertyName Confidence = new("confidence", 1);

        public static readonly PropertyName Dependencies = new("dependencies", 1);

        public static readonly PropertyName Sentences = new("sentences", 1);
    }

    /// <summary>The members of a feature, technology, data flow, dependency or sentence: three levels in.</summary>
    private static class Inner
    {
        public static readonly PropertyName Name = new("name", 3);

        public static readonly PropertyName Action = new("action", 3);

        public static readonly PropertyName Negated = new("negated", 3);

        public static readonly PropertyName Priority = new("priority", 3);

        public static readonly PropertyName Confidence = new("confidence", 3);

        public static readonly PropertyName Line = new("line", 3);

        public static readonly PropertyName MatchedAs = new("matchedAs", 3);

        public static readonly PropertyName Status = new("status", 3);

        public static readonly PropertyName Canonical = new("canonical", 3);

        public static readonly PropertyName Category = new("category", 3);

        public static readonly PropertyName ReplacedBy = new("replacedBy", 3);

        public static readonly PropertyName Kind = new("kind", 3);

        public static readonly PropertyName From = new("from", 3);

        public static readonly PropertyName To = new("to", 3);

        public static readonly PropertyName Reason = new("reason", 3);

        public static readonly PropertyName Index = new("index", 3);

        public static readonly PropertyName Text = new("text", 3);

        public static readonly PropertyName Features = new("features", 3);

        public static readonly PropertyName Tech = new("tech", 3);
    }

    /// <summary>A member's name as written before its value, with and without the comma after the member before it.</summary>
    private sealed class PropertyName(string name, int depth)
    {
        public byte[] First { get; } = Encoding.ASCII.GetBytes($"\n{new string(' ', 2 * depth)}\"{name}\": ");

        public byte[] Next { get; } = Encoding.ASCII.GetBytes($",\n{new string(' ', 2 * depth)}\"{name}\": ");
    }

    /// <summary>
    /// The scores a module writes (confidence, complexity) are thousandths; their text is made once each. An entry
    /// is used only for exactly its double, so the text is the formatter's either way.
    /// </summary>
    private static readonly byte[][] Thousandths = [.. Enumerable.Range(0, 1001).Select(k => Encoding.ASCII.GetBytes((k / 1000.0).ToString(CultureInfo.InvariantCulture)))];

    private delegate void Members<T>(ref Writer writer, T item);

    private delegate void Element<T, TState>(ref Writer writer, T item, TState state);

    private struct Writer(byte[] buffer)
    {
        public byte[] Buffer = buffer;
        private int _at;
        private int _depth;
        private bool _first = true;

        public void Module(ModuleDocument m)
        {
            Start((byte)'{');
            String(Top.Id, m.Id);
            String(Top.Path, m.Path);
            String(Top.Sha256, m.Sha256);
            Number(Top.Bytes, m.Bytes);
            if (m.Title is { } title)
            {
                String(Top.Title, title);
            }

            if (m.Route is { } route)
            {
                String(Top.Route, route);
            }

            Bool(Top.Lazy, m.Lazy);
            Number(Top.Priority, m.Priority);
            Bool(Top.Vendor, m.Vendor);
            Strings(Top.Tags, m.Tags);
            Strings(Top.Depends, m.Depends);
            Strings(Top.Actors, m.Actors);
            Objects(Top.Features, m.Features, static (ref Writer w, FeatureInfo f) =>
            {
                w.String(Inner.Name, f.Name);
                w.String(Inner.Action, f.Action);
                w.Bool(Inner.Negated, f.Negated);
                w.Number(Inner.Priority, f.Priority);
                w.Number(Inner.Confidence, f.Confidence);
                w.Number(Inner.Line, f.Line);
                w.String(Inner.MatchedAs, f.MatchedAs);
                w.String(Inner.Status, f.Status);
            });
            Objects(Top.Tech, m.Tech, static (ref Writer w, TechInfo t) =>
            {
                w.String(Inner.Canonical, t.Canonical);
                w.String(Inner.MatchedAs, t.MatchedAs);
                w.String(Inner.Category, t.Category);
                w.Bool(Inner.Negated, t.Negated);
                w.Number(Inner.Confidence, t.Confidence);
                w.Number(Inner.Line, t.Line);
                w.String(Inner.Status, t.Status);
                if (t.ReplacedBy is { } replacedBy)
                {
                    w.String(Inner.ReplacedBy, replacedBy);
                }
            });
            Objects(Top.DataFlows, m.DataFlows, static (ref Writer w, DataFlowInfo d) =>
            {
                w.String(Inner.Kind, d.Kind);
                w.String(Inner.MatchedAs, d.MatchedAs);
                w.Number(Inner.Line, d.Line);
            });
            String(Top.ProjectType, m.ProjectType);
            String(Top.Architecture, m.Architecture);
            Number(Top.Complexity, m.Complexity);
            Number(Top.Confidence, m.Confidence);
            Objects(Top.Dependencies, m.Dependencies, static (ref Writer w, FeatureDependency d) =>
            {
                w.String(Inner.From, d.From);
                w.String(Inner.To, d.To);
                w.String(Inner.Reason, d.Reason);
            });
            Objects(Top.Sentences, m.Sentences, static (ref Writer w, SentenceInfo s) =>
            {
                w.Number(Inner.Index, s.Index);
                w.Number(Inner.Line, s.Line);
                w.String(Inner.Text, s.Text);
                w.Strings(Inner.Features, s.Features);
                w.Strings(Inner.Tech, s.Tech);
            });
            End((byte)'}');
        }

        /// <summary>A member whose value is an array of objects, each written by <paramref name="members"/>.</summary>
        private void Objects<T>(PropertyName name, ImmutableArray<T> items, Members<T> members) =>
            Array(name, items, members, static (ref Writer w, T item, Members<T> members) =>
            {
                w.Start((byte)'{');
                members(ref w, item);
                w.End((byte)'}');
            });

        /// <summary>A member whose value is an array, each element written by <paramref name="element"/> after its separator.</summary>
        private void Array<T, TState>(PropertyName name, ImmutableArray<T> items, TState state, Element<T, TState> element)
        {
            Name(name);
            Start((byte)'[');
            foreach (var item in Items(items))
            {
                Item();
                element(ref this, item, state);
            }

            End((byte)']');
        }

        public byte[] Finish()
        {
            // Every byte is written over, so the array is not cleared first.
            var bytes = GC.AllocateUninitializedArray<byte>(_at + 1);
            Buffer.AsSpan(0, _at).CopyTo(bytes);
            bytes[^1] = (byte)'\n';
            return bytes;
        }

        // A default (uninitialised) array is written as an empty one: records made by hand may leave one so.
        private static ImmutableArray<T> Items<T>(ImmutableArray<T> items) => items.IsDefault ? [] : items;

        private void Start(byte open)
        {
            Ensure(1);
            Buffer[_at++] = open;
            _depth++;
            _first = true;
        }

        /// <summary>An empty container closes on its own line's end ("[]"), as the serialiser writes it.</summary>
        private void End(byte close)
        {
            _depth--;
            if (!_first)
            {
                NewLine();
            }

            Ensure(1);
            Buffer[_at++] = close;
            _first = false;
        }

        /// <summary>Before an array element: the comma after the one before, a new line and the indentation.</summary>
        private void Item()
        {
            if (!_first)
            {
                Ensure(1);
                Buffer[_at++] = (byte)',';
            }

            NewLine();
            _first = false;
        }

        private void Name(PropertyName name)
        {
            var bytes = _first ? name.First : name.Next;
            Ensure(bytes.Length);
            bytes.CopyTo(Buffer.AsSpan(_at));
            _at += bytes.Length;
            _first = false;
        }

        private void NewLine()
        {
            Ensure(1 + (2 * _depth));
            Buffer[_at++] = (byte)'\n';
            Buffer.AsSpan(_at, 2 * _depth).Fill((byte)' ');
            _at += 2 * _depth;
        }

        private void String(PropertyName name, string value)
        {
            Name(name);
            Value(value);
        }

        private void Value(string value)
        {
            Ensure(MaxQuoted(value));
            _at += Quoted(value, Buffer.AsSpan(_at));
        }

        private void Strings(PropertyName name, ImmutableArray<string> values) =>
            Array(name, values, 0, static (ref Writer w, string value, int _) => w.Value(value));

        private void Bool(PropertyName name, bool value)
        {
            Name(name);
            var text = value ? "true"u8 : "false"u8;
            Ensure(text.Length);
            text.CopyTo(Buffer.AsSpan(_at));
            _at += text.Length;
        }

        private void Number(PropertyName name, long value)
        {
            Name(name);
            Ensure(20);
            value.TryFormat(Buffer.AsSpan(_at), out var written, default, CultureInfo.InvariantCulture);
            _at += written;
        }

        /// <summary>The shortest text that reads back as the same double: what <see cref="Utf8JsonWriter"/> writes.</summary>
        private void Number(PropertyName name, double value)
        {
            Name(name);
            Ensure(32);
            var k = value is >= 0 and <= 1 ? (int)Math.Round(value * 1000) : -1;
            if (k >= 0 && BitConverter.DoubleToInt64Bits(k / 1000.0) == BitConverter.DoubleToInt64Bits(value)) // not -0, which writes "-0"
            {
                Thousandths[k].CopyTo(Buffer.AsSpan(_at));
                _at += Thousandths[k].Length;
                return;
            }

            value.TryFormat(Buffer.AsSpan(_at), out var written, default, CultureInfo.InvariantCulture);
            _at += written;
        }

        private void Ensure(int more)
        {
            if (_at + more > Buffer.Length)
            {
                System.Array.Resize(ref Buffer, Math.Max(Buffer.Length * 2, _at + more));
            }
        }
    }
}
