using System.Buffers.Binary;
using System.Text;

namespace Grump.Hyper.Engine.Archives;

/// <summary>
/// A read-only view of an inflating stream that counts every byte that comes out of it against the limits
/// (skipped entries too: they are inflated as well), and, for tar, inspects each 512-byte header as it
/// passes, before the BCL's reader sees it: a metadata entry (GNU long name or link, PAX header) that
/// declares more than <see cref="ArchiveLimits.MaxMetadataBytes"/> or a file that declares more than
/// <see cref="ArchiveLimits.MaxEntryBytes"/> is refused before anything allocates what it declares.
/// </summary>
internal sealed class InflationGuard(Stream inner, ArchiveLimits limits, long compressedBytes, bool tar) : Stream
{
    private readonly byte[] _header = new byte[ArchiveLimits.TarBlock];
    private int _headerServed = ArchiveLimits.TarBlock;
    private long _position;
    private long _nextHeader; // tar only: where the next header block starts
    private MemoryStream? _pax; // the data of a PAX header being read, for its size record (the buffer below, while one is)
    private readonly MemoryStream _paxBuffer = new(); // one for every PAX header of the archive (a .NET tar writes one per entry)
    private long? _paxSize; // a size the last PAX header set for the entry that follows it

    public long Inflated => _position;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (tar && _headerServed < _header.Length)
        {
            return Serve(buffer);
        }

        if (tar && _position == _nextHeader)
        {
            var got = ReadBlock();
            if (got == 0)
            {
                return 0;
            }

            Inspect(got);
            return Serve(buffer);
        }

        var room = tar ? (int)Math.Min(buffer.Length, _nextHeader - _position) : buffer.Length;
        var read = inner.Read(buffer[..room]);
        if (_pax is not null && read > 0)
        {
            _pax.Write(buffer[..read]);
        }

        Count(read);
        return read;
    }

    private int Serve(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _header.Length - _headerServed);
        _header.AsSpan(_headerServed, n).CopyTo(buffer);
        _headerServed += n;
        Count(n);
        return n;
    }

    private int ReadBlock()
    {
        var got = 0;
        while (got < _header.Length)
        {
            var n = inner.Read(_header, got, _header.Length - got);
            if (n == 0)
            {
                break;
            }

            got += n;
        }

        _headerServed = _header.Length - got;
        if (got < _header.Length && got > 0)
        {
            // A short last block: shift it so Serve hands out exactly what was read; the reader reports it.
            Array.Copy(_header, 0, _header, _headerServed, got);
        }

        return got;
    }

    private void Inspect(int got)
    {
        var blockStart = _position;
        var paxSize = FinishPax();
        if (got < _header.Length || _header.AsSpan().IndexOfAnyExcept((byte)0) < 0)
        {
            _nextHeader = blockStart + ArchiveLimits.TarBlock; // the end-of-archive blocks, or a damaged tail
            return;
        }

        var type = (char)_header[156];
        var size = Size(_header.AsSpan(124, 12));
        if (type is 'x' or 'g' or 'L' or 'K')
        {
            if (size > limits.MaxMetadataBytes)
            {
                throw new ArchiveRefusedException(new ArchiveError(ArchiveErrorKind.MetadataTooLarge,
                    $"A tar metadata entry (type '{type}') declares {size} bytes; the limit is {limits.MaxMetadataBytes} bytes.", null, limits.MaxMetadataBytes));
            }

            _paxBuffer.SetLength(0);
            _pax = type == 'x' ? _paxBuffer : null;
        }
        else
        {
            size = paxSize ?? size;
            if (type is '0' or '\0' or '7' && size > limits.MaxEntryBytes)
            {
                var name = Encoding.UTF8.GetString(_header.AsSpan(0, 100)).TrimEnd('\0');
                throw new ArchiveRefusedException(new ArchiveError(ArchiveErrorKind.EntryTooLarge,
                    $"'{name}' declares {size} bytes uncompressed; the limit is {limits.MaxEntryBytes} bytes.", name, limits.MaxEntryBytes));
            }
        }

        _nextHeader = blockStart + ArchiveLimits.TarBlock + ((size + ArchiveLimits.TarBlock - 1) / ArchiveLimits.TarBlock * ArchiveLimits.TarBlock);
    }

    /// <summary>The <c>size</c> record of the PAX header just read, which overrides the next header's size field.</summary>
    private long? FinishPax()
    {
        var pax = _pax;
        _pax = null;
        var size = _paxSize;
        _paxSize = null;
        if (pax is null)
        {
            return size;
        }

        // Records are "<length> <key>=<value>\n"; only size matters here. Read as bytes: no string per record.
        var records = pax.GetBuffer().AsSpan(0, (int)pax.Length);
        while (!records.IsEmpty)
        {
            var end = records.IndexOf((byte)'\n');
            var record = end < 0 ? records : records[..end];
            records = end < 0 ? [] : records[(end + 1)..];
            var space = record.IndexOf((byte)' ');
            if (space > 0 && record[(space + 1)..].StartsWith("size="u8) &&
                System.Buffers.Text.Utf8Parser.TryParse(record[(space + 6)..], out long value, out var used) && used == record.Length - space - 6 && value >= 0)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>A tar size field: octal digits, or base-256 when the high bit of its first byte is set.</summary>
    private static long Size(ReadOnlySpan<byte> field)
    {
        if ((field[0] & 0x80) != 0)
        {
            // Base-256: the remaining bytes big-endian; anything past 63 bits is "too large" anyway.
            var tail = field[4..];
            return field[1..4].IndexOfAnyExcept((byte)0) >= 0 ? long.MaxValue : (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(tail), long.MaxValue);
        }

        // Octal digits, padded with spaces or NULs on either side.
        var digits = field.Trim((ReadOnlySpan<byte>)[(byte)' ', 0]);
        long value = 0;
        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'7')
            {
                return 0; // not a number: the tar reader reports the header as malformed
            }

            value = (value * 8) + (b - '0');
        }

        return value;
    }

    private void Count(int read)
    {
        _position += read;
        if (_position > limits.MaxInflatedBytes)
        {
            throw new ArchiveRefusedException(new ArchiveError(ArchiveErrorKind.TotalTooLarge,
                $"The archive inflates to more than {limits.MaxInflatedBytes} bytes (skipped entries and structure included).", null, limits.MaxInflatedBytes));
        }

        if (_position >= limits.RatioCheckFromBytes && _position / (double)Math.Max(1, compressedBytes) > limits.MaxCompressionRatio)
        {
            throw new ArchiveRefusedException(new ArchiveError(ArchiveErrorKind.CompressionRatio,
                $"The archive expands more than {limits.MaxCompressionRatio}:1; real source archives compress far less.", null, (long)limits.MaxCompressionRatio));
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
