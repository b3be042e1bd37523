using System.Collections.Immutable;
using System.Text.Json;

namespace Grump.Hyper.Compiler.Emit;

public sealed record CompilerStamp(string Name, string Version);

public sealed record ProjectStamp(string? Name, JsonElement? Constraints);

public sealed record InputEntry(string Path, string Sha256, long Bytes);

public sealed record ManifestModule(string Id, string Path, string File, string? Route, bool Lazy, bool Vendor);

public sealed record ChunkEntry(string Name, string Kind, string File, long Bytes, ImmutableArray<string> Modules);

public sealed record DiagnosticCounts(int Errors, int Warnings, int Infos);

public sealed record Manifest(
    CompilerStamp Compiler,
    ProjectStamp Project,
    ImmutableArray<InputEntry> Inputs,
    ImmutableArray<ManifestModule> Modules,
    ImmutableArray<ChunkEntry> Chunks,
    ImmutableSortedDictionary<string, ImmutableArray<string>> Routes,
    bool Success,
    DiagnosticCounts Diagnostics);

public sealed record DiagnosticEntry(string Severity, string Code, string File, int Line, int Column, string Message);
