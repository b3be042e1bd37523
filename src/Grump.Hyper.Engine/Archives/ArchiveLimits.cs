namespace Grump.Hyper.Engine.Archives;

/// <summary>Every limit applied while reading an uploaded archive. Defaults are safe for a shared service.</summary>
public sealed record ArchiveLimits
{
    public static ArchiveLimits Default { get; } = new();

    /// <summary>
    /// A project on the user's own disk (the CLI): the user's files, not a stranger's upload, so the
    /// limits only guard against pointing the CLI at the wrong folder, well past 100,000 files. Paths are
    /// still checked the same way. (The service's upload limits are configuration: <c>Hyper:Limits:*</c>.)
    /// </summary>
    public static ArchiveLimits LocalProject { get; } = new()
    {
        MaxArchiveBytes = 4L * 1024 * 1024 * 1024,
        MaxEntries = 2_000_000,
        MaxEntryBytes = 64L * 1024 * 1024,
        MaxTotalBytes = 16L * 1024 * 1024 * 1024,
    };

    /// <summary>The archive itself (the request body).</summary>
    public long MaxArchiveBytes { get; init; } = 64L * 1024 * 1024;

    public int MaxEntries { get; init; } = 20_000;

    /// <summary>Uncompressed bytes of one file.</summary>
    public long MaxEntryBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>Uncompressed bytes of all files together.</summary>
    public long MaxTotalBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Uncompressed over compressed size, checked once a file or the archive has grown past <see cref="RatioCheckFromBytes"/>.</summary>
    public double MaxCompressionRatio { get; init; } = 200;

    public long RatioCheckFromBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Bytes of one tar metadata entry (a GNU long name or link, a PAX header): real ones are a path or a
    /// few records, and the BCL reader allocates what the header declares before any other limit applies.
    /// </summary>
    public long MaxMetadataBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// Every byte a compressed archive inflates to is counted, skipped entries, tar headers and padding
    /// included: the file limit plus room for the structure of <see cref="MaxEntries"/> entries.
    /// </summary>
    public long MaxInflatedBytes => MaxTotalBytes + ((long)MaxEntries * 2 * TarBlock) + MaxMetadataBytes;

    internal const int TarBlock = 512;

    public int MaxPathLength { get; init; } = 260;

    public int MaxPathDepth { get; init; } = 16;
}
