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
    ImmutableSortedDictionary<string, ImmutableArray<string>> LazyChunks,
    bool Success,
    DiagnosticCounts Diagnostics);

public sealed record DiagnosticEntry(string Severity, string Code, string File, int Line, int Column, string Message);

public sealed record GraphModule(string Id, string Path, string? Route, bool Lazy, bool Vendor, int Features);

public sealed record GraphEdge(string From, string To);

public sealed record GraphFeature(string Id, string Module, string Feature);

public sealed record GraphPart<TNode>(ImmutableArray<TNode> Nodes, ImmutableArray<GraphEdge> Edges);

/// <summary>The contents of <c>graph.json</c>: modules with their depends, features (tasks) with theirs.</summary>
public sealed record ProjectGraph(GraphPart<GraphModule> Modules, GraphPart<GraphFeature> Features);
