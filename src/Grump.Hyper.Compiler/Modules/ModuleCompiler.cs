using System.Collections.Immutable;
using System.Text;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Extraction;
using Grump.Hyper.Compiler.Syntax;
using Grump.Hyper.Compiler.Text;

namespace Grump.Hyper.Compiler.Modules;

/// <summary>The result of compiling one file: the module (absent when the file could not be read) and its diagnostics.</summary>
/// <summary>
/// What a batch scan already knows about a file's bytes (see the engine's text kernels). Pure ASCII is
/// valid UTF-8, so it skips validation; the newline count sizes the line table. Never changes a result.
/// </summary>
public readonly record struct SourceHints(bool Ascii, int Newlines);

public sealed record ModuleResult(string Path, CompiledModule? Module, ImmutableArray<Diagnostic> Diagnostics)
{
    /// <summary>
    /// The module's JSON, rendered where the module was compiled: in parallel with the other modules and
    /// cached with them, instead of one after another at emit time.
    /// </summary>
    public byte[]? Rendered { get; init; }

    /// <summary>XxHash128 of <see cref="Rendered"/>: what chunk memo keys are made of.</summary>
    public UInt128? RenderedHash { get; init; }

    private Emit.ArtifactContent? _content;

    /// <summary>
    /// <see cref="Rendered"/> as an artifact value, made once per result: a cached result hands every
    /// build the same value, so its SHA-256 is computed once, not once per build.
    /// </summary>
    public Emit.ArtifactContent? Content => Rendered is null ? null : _content ??= Emit.ArtifactContent.Of(Rendered);

    private string? _file;

    /// <summary>Where the module's JSON is written (<c>modules/&lt;id&gt;.json</c>), made once per result like <see cref="Content"/>.</summary>
    public string? File => Module is null ? null : _file ??= Emit.ArtifactEmitter.ModuleFile(Module.Id);

    /// <summary><see cref="RenderedHash"/>, or the hash of <see cref="Rendered"/> made once here when the result came without it.</summary>
    internal UInt128 Hash => RenderedHash ?? (_hash ??= System.IO.Hashing.XxHash128.HashToUInt128(Rendered));

    private UInt128? _hash;
}

/// <summary>
/// Compiles one <c>.intent</c> file on its own: decode, parse the header, read the English. The result
/// depends only on the file's bytes, its path, whether it is vendor code and the options, which is what
/// makes it cacheable by content.
/// </summary>
public static class ModuleCompiler
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static ModuleResult Compile(SourceFile file, bool vendor, CompilationOptions options, MatcherSet? matchers = null, SourceHints? hints = null)
    {
        var diagnostics = new DiagnosticBag();
        if (file.Content.Length > options.MaxSourceBytes)
        {
            diagnostics.Report(DiagnosticCatalog.FileTooLarge, file.Path, 1, 1, file.Content.Length, options.MaxSourceBytes);
            return new ModuleResult(file.Path, null, diagnostics.ToImmutableSorted());
        }

        string text;
        if (hints is { Ascii: true })
        {
            text = System.Text.Encoding.ASCII.GetString(file.Content.Span);
        }
        else if (!TryDecode(file.Content.Span, out text, out var badOffset))
        {
            var (line, column) = BytePosition(file.Content.Span, badOffset);
            diagnostics.Report(DiagnosticCatalog.InvalidUtf8, file.Path, line, column, badOffset);
            return new ModuleResult(file.Path, null, diagnostics.ToImmutableSorted());
        }

        var source = new SourceText(file.Path, text, hints?.Newlines ?? 16);
        var parsed = HeaderParser.Parse(source, diagnostics);
        var header = parsed.Header;
        var extraction = new IntentExtractor((matchers ?? MatcherSet.Default).Lexicon).Extract(source, parsed.Body, header.Actors, diagnostics);

        var id = header.Id?.Value ?? ModuleIds.FromPath(file.Path);
        var document = new ModuleDocument
        {
            Id = id,
            Path = file.Path,
            Sha256 = file.Sha256,
            Bytes = file.Content.Length,
            Title = header.Title,
            Route = header.Route?.Value,
            Lazy = header.Lazy,
            Priority = header.Priority,
            Vendor = vendor,
            Tags = header.Tags,
            Depends = [.. header.Depends.Select(d => d.Value)],
            Actors = extraction.Actors,
            Features = extraction.Features,
            Tech = extraction.Tech,
            DataFlows = extraction.DataFlows,
            ProjectType = extraction.ProjectType,
            Architecture = extraction.Architecture,
            Complexity = extraction.Complexity,
            Confidence = extraction.Confidence,
            Dependencies = extraction.Dependencies,
            Sentences = extraction.Sentences,
        };
        var locations = new ModuleLocations(
            Locate(source, header.Id?.Offset ?? 0),
            Locate(source, header.Route?.Offset ?? 0),
            [.. header.Depends.Select(d => Locate(source, d.Offset))]);

        var rendered = Emit.ArtifactEmitter.Render(document);
        return new ModuleResult(file.Path, CompiledModule.Of(document, locations), diagnostics.ToImmutableSorted())
        {
            Rendered = rendered,
            RenderedHash = System.IO.Hashing.XxHash128.HashToUInt128(rendered),
        };
    }

    private static SourceLocation Locate(SourceText source, int offset)
    {
        var p = source.GetPosition(offset);
        return new SourceLocation(p.Line, p.Column);
    }

    private static bool TryDecode(ReadOnlySpan<byte> bytes, out string text, out int badOffset)
    {
        badOffset = 0;
        text = string.Empty;
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            badOffset = FirstInvalid(bytes);
            return false;
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        text = StrictUtf8.GetString(bytes);
        return true;
    }

    private static int FirstInvalid(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return offset;
    }

    private static (int Line, int Column) BytePosition(ReadOnlySpan<byte> bytes, int offset)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset && i < bytes.Length; i++)
        {
            // Line breaks as SourceText counts them everywhere else: CRLF, LF and a lone CR.
            if (bytes[i] == (byte)'\n' || (bytes[i] == (byte)'\r' && (i + 1 >= bytes.Length || bytes[i + 1] != (byte)'\n')))
            {
                line++;
                lineStart = i + 1;
            }
        }

        // Columns count characters; the bytes before the bad one on its line are valid UTF-8.
        return (line, Encoding.UTF8.GetCharCount(bytes[lineStart..offset]) + 1);
    }
}
