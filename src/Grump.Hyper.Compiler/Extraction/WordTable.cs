using System.Collections.Concurrent;

namespace Grump.Hyper.Compiler.Extraction;

/// <summary>
/// One string per distinct normalised word, looked up by its characters without making a string first. Bounded
/// like <see cref="WordMemo"/>, since the words come from uploads: past the capacity a word gets a string of its own.
/// </summary>
internal sealed class WordTable
{
    private readonly ConcurrentDictionary<string, string> _words = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public WordTable() => _bySpan = _words.GetAlternateLookup<ReadOnlySpan<char>>();

    public string Get(ReadOnlySpan<char> word)
    {
        if (_bySpan.TryGetValue(word, out var known))
        {
            return known;
        }

        var made = new string(word);
        return _words.Count < WordMemo.Capacity ? _words.GetOrAdd(made, made) : made;
    }
}
