using System.Collections.Immutable;
using System.Globalization;
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
        w.Member("{\"id\":"u8, task.Id);
        w.Member(",\"module\":"u8, task.Module);
        w.Member(",\"feature\":"u8, task.Feature);
        w.Member(",\"action\":"u8, task.Action);
        w.Member(",\"description\":"u8, task.Description);
        w.Member(",\"priority\":"u8, task.Priority);
        w.Member(",\"risk\":"u8, task.Risk);
        w.Member(",\"tools\":"u8, task.Tools);
        w.Member(",\"estimatedSeconds\":"u8, task.EstimatedSeconds);
        w.Member(",\"dependsOn\":"u8, task.DependsOn);
        w.Member(",\"batch\":"u8, task.Batch);
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
        w.Member("{\"id\":"u8, id);
        w.Member(",\"module\":"u8, module);
        w.Member(",\"feature\":"u8, feature);
        w.Raw("}"u8);
        return w.Finish();
    }

    public static byte[] Edge(string from, string to)
    {
        var w = Start();
        w.Member("{\"from\":"u8, from);
        w.Member(",\"to\":"u8, to);
        w.Raw("}"u8);
        return w.Finish();
    }

    public static byte[] Module(GraphModule module)
    {
        var w = Start();
        w.Member("{\"id\":"u8, module.Id);
        w.Member(",\"path\":"u8, module.Path);
        if (module.Route is { } route)
        {
            w.Member(",\"route\":"u8, route);
        }

        w.Member(",\"lazy\":"u8, module.Lazy);
        w.Member(",\"vendor\":"u8, module.Vendor);
        w.Member(",\"features\":"u8, module.Features);
        w.Raw("}"u8);
        return w.Finish();
    }

    public static byte[] Module(ManifestModule module)
    {
        var w = Start();
        w.Member("{\"id\":"u8, module.Id);
        w.Member(",\"path\":"u8, module.Path);
        w.Member(",\"file\":"u8, module.File);
        if (module.Route is { } route)
        {
            w.Member(",\"route\":"u8, route);
        }

        w.Member(",\"lazy\":"u8, module.Lazy);
        w.Member(",\"vendor\":"u8, module.Vendor);
        w.Raw("}"u8);
        return w.Finish();
    }

    public static byte[] Input(InputEntry input)
    {
        var w = Start();
        w.Member("{\"path\":"u8, input.Path);
        w.Member(",\"sha256\":"u8, input.Sha256);
        w.Member(",\"bytes\":"u8, input.Bytes);
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
            Ensure(ModuleJson.MaxQuoted(value));
            _at += ModuleJson.Quoted(value, _buffer.AsSpan(_at));
        }

        /// <summary>A member: its name (with the comma before it, if any, and the colon after) and its value.</summary>
        public void Member(ReadOnlySpan<byte> name, string value)
        {
            Raw(name);
            String(value);
        }

        public void Member(ReadOnlySpan<byte> name, long value)
        {
            Raw(name);
            Number(value);
        }

        public void Member(ReadOnlySpan<byte> name, bool value)
        {
            Raw(name);
            Raw(value ? "true"u8 : "false"u8);
        }

        public void Member(ReadOnlySpan<byte> name, ImmutableArray<string> values)
        {
            Raw(name);
            Strings(values);
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
