namespace Grump.Hyper.Compiler.Diagnostics;

/// <summary>
/// Every diagnostic the compiler can report. GH1xxx are errors, GH2xxx warnings, GH3xxx information.
/// The README's table of codes is checked against this list by a test.
/// </summary>
public static class DiagnosticCatalog
{
    private static DiagnosticDescriptor Error(string code, string title, string format) => new(code, DiagnosticSeverity.Error, title, format);

    private static DiagnosticDescriptor Warning(string code, string title, string format) => new(code, DiagnosticSeverity.Warning, title, format);

    public static readonly DiagnosticDescriptor MalformedHeaderLine = Error("GH1001", "Malformed header line", "Malformed header line: {0}");
    public static readonly DiagnosticDescriptor UnterminatedHeader = Error("GH1002", "Unterminated header", "The header opened here is never closed by a '---' line");
    public static readonly DiagnosticDescriptor InvalidHeaderValue = Error("GH1003", "Invalid header value", "Invalid value for '{0}': {1}");
    public static readonly DiagnosticDescriptor DuplicateHeaderKey = Error("GH1004", "Duplicate header key", "Header key '{0}' is already set on line {1}");
    public static readonly DiagnosticDescriptor UnterminatedString = Error("GH1005", "Unterminated string", "Unterminated quoted string");
    public static readonly DiagnosticDescriptor UnterminatedList = Error("GH1006", "Unterminated list", "Unterminated list: expected ']'");
    public static readonly DiagnosticDescriptor NestedList = Error("GH1007", "Nested list", "Lists cannot be nested");
    public static readonly DiagnosticDescriptor InvalidUtf8 = Error("GH1010", "File is not UTF-8", "File is not valid UTF-8: invalid byte at offset {0}");
    public static readonly DiagnosticDescriptor FileTooLarge = Error("GH1011", "File too large", "File is {0} bytes, over the limit of {1} bytes");
    public static readonly DiagnosticDescriptor TooManyListItems = Error("GH1012", "Too many list items", "A header list has at most {0} items; the rest are ignored");
    public static readonly DiagnosticDescriptor TooManyHeaderLines = Error("GH1013", "Header too long", "A header has at most {0} lines; the lines after this one are ignored");
    public static readonly DiagnosticDescriptor MoreErrorsNotShown = Error("GH1090", "More diagnostics not shown", "{0} more diagnostics {1} are not shown (at most {2} are reported); fix these first");
    public static readonly DiagnosticDescriptor MalformedProjectFile = Error("GH1020", "Malformed grump.json", "grump.json is malformed: {0}");
    public static readonly DiagnosticDescriptor InvalidProjectSetting = Error("GH1021", "Invalid grump.json setting", "Invalid value for '{0}' in grump.json: {1}");
    public static readonly DiagnosticDescriptor DuplicateModuleId = Error("GH1030", "Duplicate module id", "Module id '{0}' is already defined by {1}");
    public static readonly DiagnosticDescriptor UnknownDependency = Error("GH1031", "Unknown dependency", "Unknown dependency '{0}': no module has this id");
    public static readonly DiagnosticDescriptor DependencyCycle = Error("GH1032", "Dependency cycle", "Dependency cycle: {0}");
    public static readonly DiagnosticDescriptor DuplicateRoute = Error("GH1033", "Duplicate route", "Route '{0}' is already served by module '{1}'");
    public static readonly DiagnosticDescriptor NoSources = Error("GH1040", "No sources", "The project has no .intent sources{0}");

    public static readonly DiagnosticDescriptor UnknownHeaderKey = Warning("GH2001", "Unknown header key", "Unknown header key '{0}' is ignored");
    public static readonly DiagnosticDescriptor TechWantedAndNegated = Warning("GH2002", "Tech both wanted and negated", "'{0}' is asked for on line {1} and ruled out on line {2}; it is treated as ruled out");
    public static readonly DiagnosticDescriptor ExclusiveFrameworks = Warning("GH2003", "Frameworks exclude each other", "'{0}' and '{1}' are both wanted, but they exclude each other");
    public static readonly DiagnosticDescriptor EmptyBody = Warning("GH2004", "Empty body", "The intent has no body text, so nothing can be extracted from it");
    public static readonly DiagnosticDescriptor MoreWarningsNotShown = Warning("GH2090", "More diagnostics not shown", "{0} more diagnostics {1} are not shown (at most {2} are reported)");
    public static readonly DiagnosticDescriptor UnknownProjectKey = Warning("GH2005", "Unknown grump.json key", "Unknown key '{0}' in grump.json is ignored");
    public static readonly DiagnosticDescriptor TooManyInitialChunks = Warning("GH2006", "Too many initial chunks", "Route '{0}' loads {1} chunks up front, over maxInitialChunks {2}, even after merging common chunks");
    public static readonly DiagnosticDescriptor TooManyAsyncChunks = Warning("GH2007", "Too many async chunks", "Route '{0}' can load {1} lazy chunks, over maxAsyncChunks {2}");
    public static readonly DiagnosticDescriptor HeaderKeyCase = Warning("GH2008", "Header key not in lower case", "Header key '{0}' is read as '{1}'; header keys are written in lower case");
    public static readonly DiagnosticDescriptor EmptyListItem = Warning("GH2009", "Empty list item", "An empty list item is ignored");

    public static IReadOnlyList<DiagnosticDescriptor> All { get; } =
    [
        MalformedHeaderLine, UnterminatedHeader, InvalidHeaderValue, DuplicateHeaderKey, UnterminatedString,
        UnterminatedList, NestedList, InvalidUtf8, FileTooLarge, TooManyListItems, TooManyHeaderLines, MoreErrorsNotShown, MalformedProjectFile, InvalidProjectSetting,
        DuplicateModuleId, UnknownDependency, DependencyCycle, DuplicateRoute, NoSources,
        UnknownHeaderKey, TechWantedAndNegated, ExclusiveFrameworks, EmptyBody, UnknownProjectKey, TooManyInitialChunks, TooManyAsyncChunks,
        HeaderKeyCase, EmptyListItem, MoreWarningsNotShown,
    ];
}
