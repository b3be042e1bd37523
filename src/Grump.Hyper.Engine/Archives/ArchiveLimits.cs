namespace Grump.Hyper.Engine.Archives;

/// <summary>Every limit applied while reading an uploaded archive. Defaults are safe for a shared service.</summary>
public sealed record ArchiveLimits
{
    public static ArchiveLimits Default { get; } = new();

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

    public int MaxPathLength { get; init; } = 260;

    public int MaxPathDepth { get; init; } = 16;
}
