using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Grump.Hyper.Compiler;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Compiler.Project;

namespace Grump.Hyper.Engine.Caching;

/// <summary>
/// The key of a whole project (every input's path, sha256 and vendor flag, the compiler build and the options),
/// as a two-level hash tree: the inputs in path order in blocks of <see cref="BlockSize"/>, each block's lines
/// hashed, then the block hashes. A build remembers its blocks, so the next one hashes only the blocks where an
/// input changed (an edit of a few files hashes a few blocks, not 10,000 lines; blocks are small because a 1% edit
/// lands in most blocks of 256); the comparison that finds them is a walk of inputs that are usually the very
/// same strings.
/// </summary>
/// <remarks>
/// SHA-256 at both levels, not a fast hash: the key decides whose artifacts a build gets back, so it must not be
/// forgeable. One instance per project (the engine keeps it in the project's state); not thread-safe.
/// </remarks>
public sealed class ProjectFingerprint
{
    public const int BlockSize = 16;

    private Block[] _blocks = [];

    /// <summary>The inputs the blocks were last made or checked from, by position (the very same object is the same line).</summary>
    private SourceFile[] _inputs = [];

    /// <summary>Blocks hashed by the last call (the rest were the build before's).</summary>
    public int Hashed { get; private set; }

    /// <summary>
    /// The inputs' bytes by their declared sizes, as of the last call: each block keeps its own total, so a build
    /// reads the size of the inputs in the blocks it hashes only (reading every input's was 6% of a 10-file edit at
    /// 100,000 files). A kept block's inputs have its hashes, so its sizes.
    /// </summary>
    public long InputBytes { get; private set; }

    public string Of(ProjectSelection project, CompilationOptions options)
    {
        var inputs = project.Inputs;
        var count = (inputs.Length + BlockSize - 1) / BlockSize;
        var blocks = new Block[count];
        var head = Encoding.UTF8.GetBytes($"{CompilerInfo.Version}\n{CompilerInfo.Build}\n{options.Fingerprint}\n{inputs.Length}\n");
        var all = new byte[head.Length + (count * 32)];
        head.CopyTo(all, 0);
        Hashed = 0;
        long bytes = 0;
        for (var b = 0; b < count; b++)
        {
            var from = b * BlockSize;
            var length = Math.Min(BlockSize, inputs.Length - from);
            if (b < _blocks.Length && _blocks[b].Same(project, _inputs, from, length))
            {
                blocks[b] = _blocks[b];
            }
            else
            {
                var lines = new (string Path, string Sha256, bool Vendor)[length];
                long size = 0;
                for (var i = 0; i < length; i++)
                {
                    var input = inputs[from + i];
                    lines[i] = (input.Path, input.Sha256, project.IsVendorInput(from + i));
                    size += input.Size;
                }

                blocks[b] = new Block(lines, Hash(lines), size);
                Hashed++;
            }

            bytes += blocks[b].Bytes;
            blocks[b].Digest.CopyTo(all, head.Length + (b * 32));
        }

        (_blocks, _inputs, InputBytes) = (blocks, ImmutableCollectionsMarshal.AsArray(inputs) ?? [], bytes);
        return Convert.ToHexStringLower(SHA256.HashData(all));
    }

    private static byte[] Hash((string Path, string Sha256, bool Vendor)[] lines)
    {
        // The lines laid out in one buffer and hashed in one call (a call per line cost more than the hashing).
        var text = new ArrayBufferWriter<byte>(lines.Length * 120);
        void Write(ReadOnlySpan<char> chars) => text.Advance(Encoding.UTF8.GetBytes(chars, text.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length))));
        foreach (var (path, sha, vendor) in lines)
        {
            Write(path);
            Write("\t");
            Write(sha);
            Write(vendor ? "\tv\n" : "\t-\n");
        }

        return SHA256.HashData(text.WrittenSpan);
    }

    /// <param name="Bytes">Its inputs' declared sizes, summed.</param>
    private sealed record Block((string Path, string Sha256, bool Vendor)[] Lines, byte[] Digest, long Bytes)
    {
        /// <summary>
        /// Whether the project's inputs from <paramref name="from"/> are this block's lines: an input that is the very
        /// object the blocks were last checked against at its place has this line's path and hash, unread (reading
        /// every input was a cache miss each at 100,000 files); any other is compared (usually the very same strings).
        /// </summary>
        public bool Same(ProjectSelection project, SourceFile[] last, int from, int length)
        {
            if (length != Lines.Length)
            {
                return false;
            }

            for (var i = 0; i < length; i++)
            {
                var input = project.Inputs[from + i];
                var (path, sha, vendor) = Lines[i];
                if (from + i < last.Length && ReferenceEquals(last[from + i], input))
                {
                    if (project.IsVendorInput(from + i) != vendor)
                    {
                        return false;
                    }

                    continue;
                }

                if (!string.Equals(input.Path, path, StringComparison.Ordinal) || !string.Equals(input.Sha256, sha, StringComparison.Ordinal) || project.IsVendorInput(from + i) != vendor)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
