namespace Grump.Hyper.Engine.Archives;

/// <summary>Why an archive was refused. Each kind is its own problem type over HTTP.</summary>
public enum ArchiveErrorKind
{
    TooLarge,
    UnsupportedFormat,
    Malformed,
    TooManyEntries,
    EntryTooLarge,
    TotalTooLarge,
    CompressionRatio,
    PathTooLong,
    PathTooDeep,
    AbsolutePath,
    PathTraversal,
    InvalidPath,
    Link,
    SpecialEntry,
    DuplicatePath,
    MetadataTooLarge,
}

/// <summary>A refused archive: the kind, a sentence a person can act on, and the entry and limit involved.</summary>
public sealed record ArchiveError(ArchiveErrorKind Kind, string Detail, string? Entry = null, long? Limit = null)
{
    /// <summary>The stable slug used in problem types and metrics, e.g. <c>archive-path-traversal</c>.</summary>
    public string Code => "archive-" + Kind switch
    {
        ArchiveErrorKind.TooLarge => "too-large",
        ArchiveErrorKind.UnsupportedFormat => "unsupported-format",
        ArchiveErrorKind.Malformed => "malformed",
        ArchiveErrorKind.TooManyEntries => "too-many-entries",
        ArchiveErrorKind.EntryTooLarge => "entry-too-large",
        ArchiveErrorKind.TotalTooLarge => "total-too-large",
        ArchiveErrorKind.CompressionRatio => "compression-ratio",
        ArchiveErrorKind.PathTooLong => "path-too-long",
        ArchiveErrorKind.PathTooDeep => "path-too-deep",
        ArchiveErrorKind.AbsolutePath => "absolute-path",
        ArchiveErrorKind.PathTraversal => "path-traversal",
        ArchiveErrorKind.InvalidPath => "invalid-path",
        ArchiveErrorKind.Link => "link",
        ArchiveErrorKind.SpecialEntry => "special-entry",
        ArchiveErrorKind.DuplicatePath => "duplicate-path",
        ArchiveErrorKind.MetadataTooLarge => "metadata-too-large",
        _ => "invalid",
    };
}

/// <summary>Thrown from inside a stream the archive reader reads through, so a limit stops a BCL reader mid-entry.</summary>
internal sealed class ArchiveRefusedException(ArchiveError error) : IOException(error.Detail)
{
    public ArchiveError Error { get; } = error;
}
