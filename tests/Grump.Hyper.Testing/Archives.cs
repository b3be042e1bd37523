using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Grump.Hyper.Testing;

/// <summary>Builds real zip and tar.gz archives in memory, including hostile ones.</summary>
public static class Archives
{
    public static string ExampleFolder(string name) => Repository.File("examples", name);

    /// <summary>The files of an example folder, as (path inside a top folder named after it, bytes).</summary>
    public static IReadOnlyList<(string Path, byte[] Content)> ExampleFiles(string name)
    {
        var root = ExampleFolder(name);
        return [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => ($"{name}/{Path.GetRelativePath(root, f).Replace('\\', '/')}", File.ReadAllBytes(f)))];
    }

    public static byte[] Zip(params (string Path, byte[] Content)[] files) => Zip(files.AsEnumerable());

    public static byte[] Zip(IEnumerable<(string Path, byte[] Content)> files)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                using var stream = zip.CreateEntry(path).Open();
                stream.Write(content);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// A zip whose entries carry Unix modes in their external attributes (0xA1FF a symlink, 0x11B6 a fifo,
    /// 0 a plain file); an entry without content is a directory (its name ends in a slash).
    /// </summary>
    public static byte[] ZipWithModes(IEnumerable<(string Path, byte[]? Content, uint UnixMode)> entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, content, mode) in entries)
            {
                var entry = zip.CreateEntry(content is null ? path.TrimEnd('/') + "/" : path);
                entry.ExternalAttributes = unchecked((int)(mode << 16));
                if (content is not null)
                {
                    using var stream = entry.Open();
                    stream.Write(content);
                }
            }
        }

        return buffer.ToArray();
    }

    public static byte[] TarGz(IEnumerable<Grump.Hyper.Compiler.Modules.SourceFile> files) => TarGz(files.Select(f => Entry(f.Path, f.Content.ToArray())));

    public static byte[] TarGz(IEnumerable<(string Path, byte[] Content)> files) => TarGz(files.Select(f => Entry(f.Path, f.Content)));

    public static byte[] TarGz(IEnumerable<TarEntry> entries) => TarGz(TarEntryFormat.Pax, entries);

    /// <summary>
    /// The files as a tar.gz in one format: GNU is what <c>tar czf</c> on Linux and the CLI write (a header block per
    /// file); PAX as .NET's writer makes it adds an extended header with timestamps to every file.
    /// </summary>
    public static byte[] TarGz(TarEntryFormat format, IEnumerable<Grump.Hyper.Compiler.Modules.SourceFile> files) =>
        TarGz(format, files.Select(f => Entry(format, f.Path, f.Content.ToArray())));

    /// <summary>A tar.gz in the given tar format (its metadata entries, such as GNU long names, follow it).</summary>
    public static byte[] TarGz(TarEntryFormat format, IEnumerable<TarEntry> entries)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, format, leaveOpen: false))
        {
            foreach (var entry in entries)
            {
                tar.WriteEntry(entry);
            }
        }

        return buffer.ToArray();
    }

    public static TarEntry Entry(string path, byte[] content) => Entry(TarEntryFormat.Pax, path, content);

    public static TarEntry Entry(TarEntryFormat format, string path, byte[] content)
    {
        TarEntry entry = format switch
        {
            TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.RegularFile, path),
            TarEntryFormat.Ustar => new UstarTarEntry(TarEntryType.RegularFile, path),
            TarEntryFormat.V7 => new V7TarEntry(TarEntryType.V7RegularFile, path),
            _ => new PaxTarEntry(TarEntryType.RegularFile, path),
        };
        entry.DataStream = new MemoryStream(content);
        return entry;
    }

    public static TarEntry Entry(string path, string text) => Entry(path, Text(text));

    public static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A raw tar header block of any type and declared size (which may lie), with a valid checksum.</summary>
    public static byte[] RawTarHeader(string name, char type, long size)
    {
        var block = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(block, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(block, 100);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(block, 108);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(block, 116);
        Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(block, 124);
        Encoding.ASCII.GetBytes("00000000000\0").CopyTo(block, 136);
        block[156] = (byte)type;
        Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(block, 257);
        "        "u8.CopyTo(block.AsSpan(148));
        var sum = block.Sum(b => b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(block, 148);
        return block;
    }

    /// <summary>The parts, concatenated and gzipped: for hand-made tar streams.</summary>
    public static byte[] Gzip(params byte[][] parts)
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            foreach (var part in parts)
            {
                gz.Write(part);
            }
        }

        return buffer.ToArray();
    }
}
