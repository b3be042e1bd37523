using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Grump.Hyper.Compiler.Diagnostics;
using Grump.Hyper.Compiler.Text;

namespace Grump.Hyper.Compiler.Syntax;

/// <summary>The header and where the English body starts.</summary>
internal sealed record ParsedIntent(IntentHeader Header, TextSpan Body);

/// <summary>
/// Parses the optional <c>---</c> header: one <c>key: value</c> per line, where a value is a scalar,
/// a quoted string or a flat list. Every problem is reported at its line and column and parsing goes on.
/// </summary>
internal sealed class HeaderParser
{
    private const string Fence = "---";

    /// <summary>Header lines parsed; real headers have a dozen.</summary>
    internal const int MaxHeaderLines = 200;

    /// <summary>Items kept in one header list (depends, tech, ...); real lists have a few.</summary>
    internal const int MaxListItems = 256;

    private readonly SourceText _source;
    private readonly DiagnosticBag _target;

    // Header diagnostics are held back until the closing fence is found: without it the lines are body text.
    private readonly DiagnosticBag _diagnostics = new();
    /// <summary>Each key's offset; its line is worked out only for a duplicate's diagnostic (a line lookup per key was 15% of the header).</summary>
    private readonly Dictionary<string, int> _seenKeys = new(StringComparer.Ordinal);
    private IntentHeader _header = IntentHeader.Empty;

    private HeaderParser(SourceText source, DiagnosticBag diagnostics)
    {
        _source = source;
        _target = diagnostics;
    }

    public static ParsedIntent Parse(SourceText source, DiagnosticBag diagnostics) => new HeaderParser(source, diagnostics).Parse();

    private ParsedIntent Parse()
    {
        var text = _source.Text;
        var firstEnd = LineEnd(text, 0);
        if (!IsFence(text, 0, firstEnd))
        {
            return new ParsedIntent(IntentHeader.Empty, new TextSpan(0, text.Length));
        }

        var lineStart = NextLine(text, firstEnd);
        var lines = 0;
        while (lineStart < text.Length)
        {
            var lineEnd = LineEnd(text, lineStart);
            if (IsFence(text, lineStart, lineEnd))
            {
                var bodyStart = NextLine(text, lineEnd);
                _target.AddRange(_diagnostics.ToImmutableSorted());
                return new ParsedIntent(_header, TextSpan.FromBounds(bodyStart, text.Length));
            }

            // Past the limit lines are only scanned for the closing fence, so a header costs what its limit allows.
            if (++lines == MaxHeaderLines + 1)
            {
                _diagnostics.Report(DiagnosticCatalog.TooManyHeaderLines, _source, lineStart, MaxHeaderLines);
            }

            if (lines <= MaxHeaderLines)
            {
                ParseLine(lineStart, lineEnd);
            }

            lineStart = NextLine(text, lineEnd);
        }

        // No closing fence: the header cannot be told apart from the body, so the whole text is body.
        _target.Report(DiagnosticCatalog.UnterminatedHeader, _source, 0);
        return new ParsedIntent(IntentHeader.Empty, TextSpan.FromBounds(NextLine(text, firstEnd), text.Length));
    }

    private void ParseLine(int start, int end)
    {
        var text = _source.Text;
        var i = SkipSpaces(text, start, end);
        if (i == end || text[i] == '#')
        {
            return;
        }

        var keyStart = i;
        if (!IsKeyStart(text[i]))
        {
            _diagnostics.Report(DiagnosticCatalog.MalformedHeaderLine, _source, i, "expected 'key: value'");
            return;
        }

        while (i < end && IsKeyPart(text[i]))
        {
            i++;
        }

        var key = text[keyStart..i];
        var keyEnd = i;
        i = SkipSpaces(text, i, end);
        if (i == end || text[i] != ':')
        {
            _diagnostics.Report(DiagnosticCatalog.MalformedHeaderLine, _source, keyEnd, $"expected ':' after '{key}'");
            return;
        }

        i = SkipSpaces(text, i + 1, end);
        if (!TryParseValue(i, end, out var value))
        {
            return;
        }

        var normalizedKey = key.ToLowerInvariant();
        if (_seenKeys.TryGetValue(normalizedKey, out var firstOffset))
        {
            _diagnostics.Report(DiagnosticCatalog.DuplicateHeaderKey, _source, keyStart, key, _source.GetLine(firstOffset));
            return;
        }

        _seenKeys[normalizedKey] = keyStart;
        if (!string.Equals(key, normalizedKey, StringComparison.Ordinal) && IsKnownKey(normalizedKey))
        {
            _diagnostics.Report(DiagnosticCatalog.HeaderKeyCase, _source, keyStart, key, normalizedKey);
        }

        Apply(normalizedKey, key, keyStart, value);
    }

    private void Apply(string key, string originalKey, int keyOffset, HeaderValue value)
    {
        switch (key)
        {
            case "id":
                if (RequireScalar(key, value) is { } id && RequireId(key, id) is { } validId)
                {
                    _header = _header with { Id = validId };
                }

                break;
            case "title":
                if (RequireScalar(key, value) is { } title)
                {
                    _header = _header with { Title = title.Value };
                }

                break;
            case "route":
                if (RequireScalar(key, value) is { } route)
                {
                    if (IsValidRoute(route.Value))
                    {
                        _header = _header with { Route = route };
                    }
                    else
                    {
                        Invalid(key, route.Offset, "a route starts with '/' and has no spaces, for example /checkout");
                    }
                }

                break;
            case "depends":
                var depends = ImmutableArray.CreateBuilder<HeaderItem>();
                foreach (var item in value.Items)
                {
                    if (RequireId(key, item) is { } dep)
                    {
                        depends.Add(dep);
                    }
                }

                _header = _header with { Depends = depends.ToImmutable() };
                break;
            case "lazy":
                if (RequireScalar(key, value) is { } lazy)
                {
                    if (bool.TryParse(lazy.Value, out var isLazy))
                    {
                        _header = _header with { Lazy = isLazy };
                    }
                    else
                    {
                        Invalid(key, lazy.Offset, "expected true or false");
                    }
                }

                break;
            case "priority":
                if (RequireScalar(key, value) is { } priority)
                {
                    if (int.TryParse(priority.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 5)
                    {
                        _header = _header with { Priority = p };
                    }
                    else
                    {
                        Invalid(key, priority.Offset, "expected a whole number from 1 (first) to 5");
                    }
                }

                break;
            case "actors":
                _header = _header with { Actors = Lowered(value.Items) };
                break;
            case "tags":
                _header = _header with { Tags = Lowered(value.Items) };
                break;
            default:
                _diagnostics.Report(DiagnosticCatalog.UnknownHeaderKey, _source, keyOffset, originalKey);
                break;
        }
    }

    private static bool IsKnownKey(string key) => key is "id" or "title" or "route" or "depends" or "lazy" or "priority" or "actors" or "tags";

    private static ImmutableArray<string> Lowered(ImmutableArray<HeaderItem> items)
    {
        var builder = ImmutableArray.CreateBuilder<string>(items.Length);
        foreach (var item in items)
        {
            var v = item.Value.Trim().ToLowerInvariant();
            if (v.Length > 0 && !builder.Contains(v))
            {
                builder.Add(v);
            }
        }

        return builder.ToImmutable();
    }

    private HeaderItem? RequireScalar(string key, HeaderValue value)
    {
        if (value.IsList)
        {
            Invalid(key, value.Offset, "expected a single value, not a list");
            return null;
        }

        return value.Items[0];
    }

    private HeaderItem? RequireId(string key, HeaderItem item)
    {
        var id = item.Value.ToLowerInvariant();
        if (ModuleIds.IsValid(id))
        {
            return item with { Value = id };
        }

        Invalid(key, item.Offset, $"'{item.Value}' is not a module id (letters, digits, '-', '_', '.', separated by '/')");
        return null;
    }

    private void Invalid(string key, int offset, string why) =>
        _diagnostics.Report(DiagnosticCatalog.InvalidHeaderValue, _source, offset, key, why);

    private bool TryParseValue(int i, int end, out HeaderValue value)
    {
        var text = _source.Text;
        value = default;
        if (i < end && text[i] == '[')
        {
            return TryParseList(i, end, out value);
        }

        if (!TryParseItem(i, end, inList: false, out var item, out var next))
        {
            return false;
        }

        if (!RestIsEmpty(next, end))
        {
            return false;
        }

        value = new HeaderValue(false, [item], i);
        return true;
    }

    private bool TryParseList(int open, int end, out HeaderValue value)
    {
        var text = _source.Text;
        var items = ImmutableArray.CreateBuilder<HeaderItem>();
        value = default;
        var i = SkipSpaces(text, open + 1, end);
        if (i < end && text[i] == ']')
        {
            value = new HeaderValue(true, [], open);
            return RestIsEmpty(i + 1, end);
        }

        while (true)
        {
            i = SkipSpaces(text, i, end);
            if (i < end && text[i] == '[')
            {
                _diagnostics.Report(DiagnosticCatalog.NestedList, _source, i);
                return false;
            }

            if (!TryParseItem(i, end, inList: true, out var item, out i))
            {
                return false;
            }

            if (item.Value.Length == 0)
            {
                // "[a, , b]" or "[a,]": most likely a slip, so said; the list is read without it.
                _diagnostics.Report(DiagnosticCatalog.EmptyListItem, _source, item.Offset);
            }
            else
            {
                if (items.Count < MaxListItems)
                {
                    items.Add(item);
                }
                else if (items.Count == MaxListItems)
                {
                    _diagnostics.Report(DiagnosticCatalog.TooManyListItems, _source, item.Offset, MaxListItems);
                    items.Add(item); // counted once; trimmed below
                }
            }

            i = SkipSpaces(text, i, end);
            if (i < end && text[i] == ',')
            {
                i++;
                continue;
            }

            if (i < end && text[i] == ']')
            {
                if (items.Count > MaxListItems)
                {
                    items.Count = MaxListItems;
                }

                value = new HeaderValue(true, items.ToImmutable(), open);
                return RestIsEmpty(i + 1, end);
            }

            // Reported where the list opens: the end of the line is where it was noticed, not where it went wrong.
            _diagnostics.Report(DiagnosticCatalog.UnterminatedList, _source, open);
            return false;
        }
    }

    private bool TryParseItem(int i, int end, bool inList, out HeaderItem item, out int next)
    {
        var text = _source.Text;
        item = default;
        next = i;
        if (i < end && text[i] == '"')
        {
            var sb = new StringBuilder();
            var j = i + 1;
            while (j < end && text[j] != '"')
            {
                if (text[j] == '\\' && j + 1 < end)
                {
                    j++;
                    sb.Append(text[j] switch { 'n' => '\n', 't' => '\t', var c => c });
                }
                else
                {
                    sb.Append(text[j]);
                }

                j++;
            }

            if (j >= end)
            {
                _diagnostics.Report(DiagnosticCatalog.UnterminatedString, _source, i);
                return false;
            }

            item = new HeaderItem(sb.ToString(), i);
            next = j + 1;
            return true;
        }

        // A scalar runs to the end of the line, to a comment ('#' after a space, as in YAML, so "C#" stays),
        // or inside a list to ',' or ']'.
        var k = i;
        while (k < end)
        {
            var c = text[k];
            if (inList && (c == ',' || c == ']' || c == '['))
            {
                break;
            }

            if (c == '#' && (k == i || char.IsWhiteSpace(text[k - 1])))
            {
                break;
            }

            k++;
        }

        item = new HeaderItem(text[i..k].Trim(), i);
        next = k;
        if (inList && k < end && text[k] == '[')
        {
            _diagnostics.Report(DiagnosticCatalog.NestedList, _source, k);
            return false;
        }

        return true;
    }

    private bool RestIsEmpty(int i, int end)
    {
        var text = _source.Text;
        i = SkipSpaces(text, i, end);
        if (i == end || text[i] == '#')
        {
            return true;
        }

        _diagnostics.Report(DiagnosticCatalog.MalformedHeaderLine, _source, i, "unexpected text after the value");
        return false;
    }

    private static bool IsValidRoute(string route)
    {
        if (route.Length == 0 || route[0] != '/' || route.Length > 512)
        {
            return false;
        }

        foreach (var c in route)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '?' or '#' or '\\')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsFence(string text, int start, int end) =>
        end - start >= 3 && string.CompareOrdinal(text, start, Fence, 0, 3) == 0 && text.AsSpan(start + 3, end - start - 3).IsWhiteSpace();

    private static int LineEnd(string text, int start)
    {
        var i = text.AsSpan(start).IndexOfAny('\r', '\n');
        return i < 0 ? text.Length : start + i;
    }

    private static int NextLine(string text, int lineEnd)
    {
        if (lineEnd < text.Length && text[lineEnd] == '\r')
        {
            lineEnd++;
        }

        if (lineEnd < text.Length && text[lineEnd] == '\n')
        {
            lineEnd++;
        }

        return lineEnd;
    }

    private static int SkipSpaces(string text, int i, int end)
    {
        while (i < end && (text[i] == ' ' || text[i] == '\t'))
        {
            i++;
        }

        return i;
    }

    // Letters of any script: a key like "tïtle" is then an unknown key (a warning naming it), not a broken line.
    private static bool IsKeyStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsKeyPart(char c) => char.IsLetterOrDigit(c) || c is '_' or '-';

    private readonly record struct HeaderValue(bool IsList, ImmutableArray<HeaderItem> Items, int Offset);
}
