using System.Collections.Immutable;
using System.Text.Json;
using Grump.Hyper.Compiler.Diagnostics;

namespace Grump.Hyper.Compiler.Project;

/// <summary>Reads <c>grump.json</c>. A malformed file is an error on that file; unknown keys are warnings.</summary>
internal static class ProjectFileParser
{
    private const int MaxGlobs = 100;

    public static ProjectSettings Parse(string path, ReadOnlyMemory<byte> content, DiagnosticBag diagnostics)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(content, new JsonDocumentOptions { MaxDepth = 32, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            var line = (int)(ex.LineNumber ?? 0) + 1;
            var column = (int)(ex.BytePositionInLine ?? 0) + 1;
            diagnostics.Report(DiagnosticCatalog.MalformedProjectFile, path, line, column, FirstSentence(ex.Message));
            return ProjectSettings.Default;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                diagnostics.Report(DiagnosticCatalog.MalformedProjectFile, path, 1, 1, "the top level must be an object");
                return ProjectSettings.Default;
            }

            var text = System.Text.Encoding.UTF8.GetString(content.Span);
            var settings = ProjectSettings.Default;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "name":
                        if (property.Value.ValueKind == JsonValueKind.String)
                        {
                            settings = settings with { Name = property.Value.GetString() };
                        }
                        else
                        {
                            Invalid(path, text, diagnostics, "name", "expected a string");
                        }

                        break;
                    case "include":
                        settings = settings with { Include = Globs(path, text, property, diagnostics, settings.Include) };
                        break;
                    case "exclude":
                        settings = settings with { Exclude = Globs(path, text, property, diagnostics, settings.Exclude) };
                        break;
                    case "vendor":
                        settings = settings with { Vendor = Globs(path, text, property, diagnostics, settings.Vendor) };
                        break;
                    case "constraints":
                        settings = settings with { Constraints = property.Value.Clone() };
                        break;
                    case "split":
                        settings = settings with { Split = Split(path, text, property.Value, diagnostics) };
                        break;
                    default:
                        var (l, c) = Locate(text, property.Name);
                        diagnostics.Report(DiagnosticCatalog.UnknownProjectKey, path, l, c, property.Name);
                        break;
                }
            }

            return settings;
        }
    }

    private static ImmutableArray<Glob> Globs(string path, string text, JsonProperty property, DiagnosticBag diagnostics, ImmutableArray<Glob> fallback)
    {
        if (property.Value.ValueKind != JsonValueKind.Array || property.Value.GetArrayLength() > MaxGlobs)
        {
            Invalid(path, text, diagnostics, property.Name, $"expected a list of at most {MaxGlobs} glob strings");
            return fallback;
        }

        var globs = ImmutableArray.CreateBuilder<Glob>();
        foreach (var item in property.Value.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String && Glob.TryCreate(item.GetString()!, out var glob))
            {
                globs.Add(glob!);
            }
            else
            {
                Invalid(path, text, diagnostics, property.Name, $"'{item}' is not a glob ('/'-separated, at most {Glob.MaxLength} characters)");
            }
        }

        return globs.ToImmutable();
    }

    private static SplitSettings Split(string path, string text, JsonElement element, DiagnosticBag diagnostics)
    {
        var split = SplitSettings.Default;
        if (element.ValueKind != JsonValueKind.Object)
        {
            Invalid(path, text, diagnostics, "split", "expected an object");
            return split;
        }

        foreach (var p in element.EnumerateObject())
        {
            // TryGetInt32 throws on a string, true or null: check the kind first, and point at the value.
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out var n) || n < 1)
            {
                var (line, column) = LocateValue(text, ["split", p.Name]);
                diagnostics.Report(DiagnosticCatalog.InvalidProjectSetting, path, line, column, "split." + p.Name,
                    $"expected a whole number of at least 1, not {Describe(p.Value)}");
                continue;
            }

            split = p.Name switch
            {
                "minChunkBytes" => split with { MinChunkBytes = n },
                "maxInitialChunks" => split with { MaxInitialChunks = n },
                "maxAsyncChunks" => split with { MaxAsyncChunks = n },
                _ => Unknown(p.Name),
            };
        }

        return split;

        SplitSettings Unknown(string name)
        {
            var (line, column) = Locate(text, name);
            diagnostics.Report(DiagnosticCatalog.UnknownProjectKey, path, line, column, "split." + name);
            return split;
        }
    }

    private static void Invalid(string path, string text, DiagnosticBag diagnostics, string key, string why)
    {
        var (line, column) = LocateValue(text, key.Split('.'));
        diagnostics.Report(DiagnosticCatalog.InvalidProjectSetting, path, line, column, key, why);
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        _ => value.GetRawText(),
    };

    /// <summary>
    /// Where the value of a property path starts (line and column, 1-based), found with a reader pass over
    /// the text since JsonDocument keeps no positions; the key's position, then 1:1, when it is not found.
    /// </summary>
    internal static (int Line, int Column) LocateValue(string text, string[] keyPath)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 32 });
        var names = new List<string?>();
        string? pending = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        pending = reader.GetString();
                        continue;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        if (names.Count > 0)
                        {
                            names.RemoveAt(names.Count - 1);
                        }

                        continue;
                }

                if (pending is not null && names.Count == keyPath.Length && pending == keyPath[^1] && Matches(names, keyPath))
                {
                    return LineAndColumn(bytes, (int)reader.TokenStartIndex);
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    names.Add(pending);
                }

                pending = null;
            }
        }
        catch (JsonException)
        {
        }

        return Locate(text, keyPath[^1]);

        static bool Matches(List<string?> names, string[] keyPath)
        {
            // names[0] is the root object (no name); the rest are the enclosing properties.
            for (var i = 1; i < names.Count; i++)
            {
                if (names[i] != keyPath[i - 1])
                {
                    return false;
                }
            }

            return true;
        }
    }

    private static (int Line, int Column) LineAndColumn(byte[] bytes, int offset)
    {
        int line = 1, column = 1;
        for (var i = 0; i < offset; i++)
        {
            if (bytes[i] == '\n')
            {
                line++;
                column = 1;
            }
            else if ((bytes[i] & 0xC0) != 0x80)
            {
                column++; // one column per character, not per UTF-8 byte
            }
        }

        return (line, column);
    }

    /// <summary>JsonDocument keeps no positions, so a key is found again in the text to point at it.</summary>
    internal static (int Line, int Column) Locate(string text, string key)
    {
        var at = text.IndexOf('"' + key + '"', StringComparison.Ordinal);
        if (at < 0)
        {
            return (1, 1);
        }

        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < at; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, at - lineStart + 1);
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
