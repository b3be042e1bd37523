using System.IO.Compression;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Engine.Archives;

/// <summary>
/// Reads a zip in two passes. The first walks the central directory in the archive's order and refuses what needs
/// no inflating (links, devices, paths, duplicates, and the sizes the directory declares against every limit). The
/// second inflates the files, on several cores when the archive is big: inflating and zlib's per-entry set-up were
/// most of a 10,000-file upload's accept. Each file is checked against its checksum and hashed where its bytes are
/// made. A refusal is the same whatever the cores: the first pass is sequential, and of the second pass's
/// refusals (all about one entry: damage, a checksum) the one of the earliest entry is reported.
/// </summary>
internal static class ZipEntries
{
    /// <summary>Entries a core takes at a time: enough to make the hand-out cheap, few enough to balance the cores.</summary>
    private const int Block = 64;

    /// <summary>
    /// Below this many files one core inflates them all: another core first parses the central directory again
    /// (a sixth of the inflating at 10,000 files), which a small archive does not pay back.
    /// </summary>
    private const int FilesPerExtraCore = 1024;

    private const int MaxCores = 4;

    private readonly record struct Pending(int Entry, string Path, long Length, uint Crc32);

    public static ArchiveError? Read(Stream stream, ArchiveReader.EntrySink sink, Func<Stream>? reopen)
    {
        // The central directory is read whole when the archive opens: refuse too many entries by its end
        // record first, before a directory of millions of tiny entries is parsed into memory.
        if (DeclaredEntries(stream) is { } declared && declared > sink.Limits.MaxEntries)
        {
            return new ArchiveError(ArchiveErrorKind.TooManyEntries, $"The archive has {declared} entries; the limit is {sink.Limits.MaxEntries}.", null, sink.Limits.MaxEntries);
        }

        using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
        var entries = zip.Entries;
        if (entries.Count > sink.Limits.MaxEntries)
        {
            return new ArchiveError(ArchiveErrorKind.TooManyEntries, $"The archive has {entries.Count} entries; the limit is {sink.Limits.MaxEntries}.", null, sink.Limits.MaxEntries);
        }

        var pending = new List<Pending>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];

            // The upper 16 bits of the external attributes hold the Unix mode when a Unix tool made the zip.
            var unixType = (entry.ExternalAttributes >> 16) & 0xF000;
            var isDirectory = entry.FullName.EndsWith('/') || unixType == 0x4000;
            if (unixType == 0xA000)
            {
                return new ArchiveError(ArchiveErrorKind.Link, $"'{entry.FullName}' is a symbolic link; links are not accepted.", entry.FullName);
            }

            if (unixType is 0x2000 or 0x6000 or 0x1000 or 0xC000)
            {
                return new ArchiveError(ArchiveErrorKind.SpecialEntry, $"'{entry.FullName}' is a device, pipe or socket; only files and folders are accepted.", entry.FullName);
            }

            var error = sink.Begin(entry.FullName, isDirectory);
            if (error is not null)
            {
                return error;
            }

            if (isDirectory || sink.Skipping)
            {
                continue;
            }

            error = sink.Declare(entry.Length, entry.CompressedLength);
            if (error is not null)
            {
                return error;
            }

            pending.Add(new Pending(i, sink.Current, entry.Length, entry.Crc32));
        }

        var files = new SourceFile[pending.Count];
        var failure = Inflate(zip, pending, files, reopen);
        if (failure is null)
        {
            sink.Files.AddRange(files);
        }

        return failure;
    }

    private static ArchiveError? Inflate(ZipArchive zip, List<Pending> pending, SourceFile[] files, Func<Stream>? reopen)
    {
        var cores = reopen is null ? 1 : Math.Clamp(pending.Count / FilesPerExtraCore, 1, Math.Min(Environment.ProcessorCount, MaxCores));
        var next = 0;
        var gate = new Lock();
        var firstFailed = int.MaxValue;
        ArchiveError? failure = null;

        void Work(ZipArchive archive)
        {
            var entries = archive.Entries;
            while (true)
            {
                var start = Interlocked.Add(ref next, Block) - Block;
                if (start >= pending.Count || start > Volatile.Read(ref firstFailed))
                {
                    return;
                }

                // Entries after an earlier refusal are left: that refusal is the answer. Every entry before it is
                // inflated by whichever core took its block, so the earliest refusal is always found.
                for (var i = start; i < Math.Min(start + Block, pending.Count) && i < Volatile.Read(ref firstFailed); i++)
                {
                    ArchiveError? error;
                    try
                    {
                        error = InflateOne(entries[pending[i].Entry], pending[i], out files[i]);
                    }
                    catch (Exception ex) when (ArchiveReader.IsDamage(ex))
                    {
                        error = new ArchiveError(ArchiveErrorKind.Malformed, $"'{pending[i].Path}' could not be read: {ex.Message}", pending[i].Path);
                    }

                    if (error is not null)
                    {
                        lock (gate)
                        {
                            if (i < firstFailed)
                            {
                                firstFailed = i;
                                failure = error;
                            }
                        }

                        return;
                    }
                }
            }
        }

        if (cores == 1)
        {
            Work(zip);
            return failure;
        }

        Parallel.For(0, cores, core =>
        {
            if (core == 0)
            {
                Work(zip);
                return;
            }

            // Another view of the same bytes with its own directory: a ZipArchive reads through one stream position.
            // Should it fail to open, the cores that did open take its blocks.
            try
            {
                using var archive = new ZipArchive(reopen!(), ZipArchiveMode.Read, leaveOpen: false);
                Work(archive);
            }
            catch (Exception ex) when (ArchiveReader.IsDamage(ex))
            {
                // The first core opened the same bytes and reads every block it can take; nothing is lost.
            }
        });
        return failure;
    }

    private static ArchiveError? InflateOne(ZipArchiveEntry entry, Pending file, out SourceFile read)
    {
        // Exactly the declared size, which the first pass held to the limits: the reader never returns more, and
        // fewer bytes, or other ones, fail the checksum.
        var content = new byte[file.Length];
        int filled;
        using (var data = entry.Open())
        {
            filled = data.ReadAtLeast(content, content.Length, throwOnEndOfStream: false);
        }

        read = new SourceFile(file.Path, filled == content.Length ? content : content[..filled]);
        if (System.IO.Hashing.Crc32.HashToUInt32(read.Content.Span) != file.Crc32)
        {
            return new ArchiveError(ArchiveErrorKind.Malformed,
                $"'{file.Path}' does not match its checksum: the archive is damaged, or its directory declares another size than its data.", file.Path);
        }

        // Hashed here, on the core that made the bytes: the manifest, the store and the engine read this hash.
        _ = read.Sha256;
        return null;
    }

    /// <summary>The entry count in a zip's end-of-central-directory record; null when it is not found or is zip64.</summary>
    private static long? DeclaredEntries(Stream stream)
    {
        const int EndRecord = 22;
        var tail = (int)Math.Min(stream.Length, EndRecord + ushort.MaxValue);
        if (tail < EndRecord)
        {
            return null;
        }

        var buffer = new byte[tail];
        stream.Seek(-tail, SeekOrigin.End);
        stream.ReadExactly(buffer);
        stream.Seek(0, SeekOrigin.Begin);
        for (var i = tail - EndRecord; i >= 0; i--)
        {
            if (buffer[i] == 'P' && buffer[i + 1] == 'K' && buffer[i + 2] == 5 && buffer[i + 3] == 6)
            {
                var total = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(i + 10));
                return total == ushort.MaxValue ? null : total;
            }
        }

        return null;
    }
}
