using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Grump.Hyper.Compiler.Planning;

namespace Grump.Hyper.Compiler.Emit;

/// <summary>
/// The compact lines of the big documents that a build renders by the ten thousand (plan.json's tasks and their quoted
/// ids, graph.json's modules and features, manifest.json's inputs and modules, the chunks' member lists), written
/// straight into a buffer kept per thread: the same bytes as <see cref="LineJson"/>'s source-generated serialiser
/// (camelCase names, nulls left out, the default encoder's escaping), which stays the reference the tests compare
/// with. The serialiser spent most of each line on its per-call work (a writer, a pooled buffer, the type's metadata),
/// a fifth of an edit's emit in `perf`; the lines' shapes are fixed, so their names are written as prepared bytes.
/// </summary>
internal static class LineWriter
{
    [ThreadStatic]
    private static byte[]? t_buffer;

    public static byte[] Task(PlanTask task)
    {
        var w = Start();
        w.Raw("{\"id\":"u8);
        w.String(task.Id);
        w.Raw(",\"module\":"u8);
        w.String(task.Module);
        w.Raw(",\"feature\":"u8);
        w.String(task.Feature);
        w.Raw(",\"action\":"u8);
        w.String(task.Action);
        w.Raw(",\"description\":"u8);
        w.String(task.Description);
        w.Raw(",\"priority\":"u8);
        w.Number(task.Priority);
        w.Raw(",\"risk\":"u8);
        w.String(task.Risk);
        w.Raw(",\"tools\":"u8);
        w.Strings(task.Tools);
        w.Raw(",\"estimatedSeconds\":"u8);
        w.Number(task.EstimatedSeconds);
        w.Raw(",\"dependsOn\":"u8);
        w.Strings(task.DependsOn);
        w.Raw(",\"batch\":"u8);
        w.Number(task.Batch);
        w.Raw("}"u8);
        return w.Finish();
    }

    /// <summary>A string as a JSON value: quoted and escaped.</summary>
    public static byte[] String(string value)
    {
        var w = Start();
        w.String(value);
        return w.Finish();
    }

    public static byte[] Strings(ImmutableArray<string> values)
    {
        var w = Start();
        w.Strings(values);
        return w.Finish();
    }

    public static byte[] Feature(string id, string module, string feature)
    {
        var w = Start();
        w.Raw("{\"id\":"u8);
        w.String(id);
        w.Raw(",\"module\":"u8);
        w.String(module);
        w.Raw(",\"feature\":"u8);
        w.String(feature);
        w.Raw("}"u8);
        return w.Finish();
    }

    public static byte[] Edge(string from, string to)
    {
        var w = Start();
        w.Raw("{\"from\":"u8);
        w.String(from);
        w.Raw(",\"to\":"u8);
        w.String(to);
        w.Raw("}"u8);
        return w.Finish();
    }

    public static byte[] Module(GraphModule module)
    {
        var w = Start();
        w.Raw("{\"id\":"u8);
        w.String(module.Id);
        w.Raw(",\"path\":"u8);
        w.String(module.Path);
        if (module.Route is { } route)
        {
            w.Raw(",\"route\":"u8);
            w.String(route);
        }

        w.Raw(",\"lazy\":"u8);
        w.Bool(module.Lazy);
        w.Raw(",\"vendor\":"u8);
        w.Bool(module.Vendor);
        w.Raw(",\"features\":"u8);
        w.Number(module.Features);
        w.Raw("}"u8);
        return w.Finish();
    }

    public static byte[] Module(ManifestModule module)
    {
        var w = Start();
        w.Raw("{\"id\":"u8);
        w.String(module.Id);
        w.Raw(",\"path\":"u8);
        w.String(module.Path);
        w.Raw(",\"file\":"u8);
        w.String(module.File);
        if (module.Route is { } route)
        {
            w.Raw(",\"route\":"u8);
            w.String(route);
        }

        w.Raw(",\"lazy\":"u8);
        w.Bool(module.Lazy);
        w.Raw(",\"vendor\":"u8);
        w.Bool(module.Vendor);
        w.Raw("}"u8);
        return w.Finish();
    }

    public static byte[] Input(InputEntry input)
    {
        var w = Start();
        w.Raw("{\"path\":"u8);
        w.String(input.Path);
        w.Raw(",\"sha256\":"u8);
        w.String(input.Sha256);
        w.Raw(",\"bytes\":"u8);
        w.Number(input.Bytes);
        w.Raw("}"u8);
        return w.Finish();
    }

    private static Writer Start() => new(t_buffer ??= new byte[4096]);

    private struct Writer(byte[] buffer)
    {
        private byte[] _buffer = buffer;
        private int _at;

        public void Raw(ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            bytes.CopyTo(_buffer.AsSpan(_at));
            _at += bytes.Length;
        }

        public void String(string value)
        {
            // At most six bytes a char (\uXXXX) and the quotes.
            Ensure((6 * value.Length) + 2);
            _buffer[_at++] = (byte)'"';
            var to = _buffer.AsSpan(_at);
            if (Ascii.FromUtf16(value, to, out var written) == OperationStatus.Done && to[..written].IndexOfAny(ModuleJson.Escaped) < 0)
            {
                _at += written;
            }
            else
            {
                var escaped = JsonEncodedText.Encode(value).EncodedUtf8Bytes;
                escaped.CopyTo(to);
                _at += escaped.Length;
            }

            _buffer[_at++] = (byte)'"';
        }

        public void Strings(ImmutableArray<string> values)
        {
            Raw("["u8);
            var first = true;
            foreach (var value in values.IsDefault ? [] : values)
            {
                if (!first)
                {
                    Raw(","u8);
                }

                String(value);
                first = false;
            }

            Raw("]"u8);
        }

        public void Number(long value)
        {
            Ensure(20);
            value.TryFormat(_buffer.AsSpan(_at), out var written, default, CultureInfo.InvariantCulture);
            _at += written;
        }

        public void Bool(bool value) => Raw(value ? "true"u8 : "false"u8);

        public byte[] Finish()
        {
            var bytes = _buffer.AsSpan(0, _at).ToArray();
            if (_buffer.Length <= 1 << 20)
            {
                t_buffer = _buffer; // grown for a long line, kept; a huge one's is not kept for the short ones after it
            }

            return bytes;
        }

        private void Ensure(int more)
        {
            if (_at + more > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _at + more));
            }
        }
    }
}
