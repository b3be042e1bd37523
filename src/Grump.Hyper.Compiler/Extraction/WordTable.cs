using System.Collections.Concurrent;

namespace Grump.Hyper.Compiler.Extraction;

/// <summary>
/// One string and one number per distinct normalised word, for the whole process, looked up by the word's characters
/// without making a string first. The number lets every per-word answer (a matcher's first step, a verb form, a
/// singular) be an array read instead of a hash lookup per token and category. Bounded like <see cref="WordMemo"/>,
/// since the words come from uploads: past the capacity a word gets a string of its own and no number (0).
/// </summary>
internal sealed class WordTable
{
    /// <summary>Every lexicon's table: word numbers mean the same to every matcher in the process.</summary>
    public static WordTable Shared { get; } = new();

    private readonly ConcurrentDictionary<string, (string Text, int Id)> _words = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Text, int Id)>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly Lock _adding = new();
    private int _count;

    private WordTable() => _bySpan = _words.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The shared string and number of <paramref name="word"/>; numbers run from 1 to <see cref="WordMemo.Capacity"/>, 0 is none.</summary>
    public (string Text, int Id) Get(ReadOnlySpan<char> word)
    {
        if (_bySpan.TryGetValue(word, out var known))
        {
            return known;
        }

        var made = new string(word);
        if (Volatile.Read(ref _count) >= WordMemo.Capacity)
        {
            return (made, 0);
        }

        // Adding is rare (a new word for the process) and takes a lock, so numbers are dense and never wasted.
        lock (_adding)
        {
            if (_words.TryGetValue(made, out known))
            {
                return known;
            }

            if (_count >= WordMemo.Capacity)
            {
                return (made, 0);
            }

            var entry = (made, _count + 1);
            _words[made] = entry;
            Volatile.Write(ref _count, _count + 1);
            return entry;
        }
    }

    /// <inheritdoc cref="Get(ReadOnlySpan{char})"/>
    public (string Text, int Id) Get(string word) => _words.TryGetValue(word, out var known) ? known : Get(word.AsSpan());
}

/// <summary>
/// Per-word answers kept by word number, for the whole process: filled on first use, read without a lock. Pages are
/// made as words arrive, so the memory follows the vocabulary actually seen. An answer is a pure function of the word,
/// so two threads filling the same slot write the same value.
/// </summary>
internal static class WordPages
{
    public const int Bits = 10;
    public const int Size = 1 << Bits;

    public static T[] Page<T>(T[]?[] pages, int id) =>
        pages[id >> Bits] ?? Interlocked.CompareExchange(ref pages[id >> Bits], new T[Size], null) ?? pages[id >> Bits]!;

    public static T[]?[] New<T>() => new T[]?[(WordMemo.Capacity >> Bits) + 1];
}

/// <summary>A number per word (a trie state, -1 for none), kept as value + 2 so that 0 means not worked out yet.</summary>
internal sealed class WordNumbers
{
    private readonly int[]?[] _pages = WordPages.New<int>();

    /// <summary>The number for word <paramref name="id"/> (1 or more), worked out by <paramref name="work"/> the first time.</summary>
    public int Get<TState>(int id, TState state, Func<TState, int> work)
    {
        var page = WordPages.Page(_pages, id);
        var slot = id & (WordPages.Size - 1);
        var known = Volatile.Read(ref page[slot]);
        if (known == 0)
        {
            known = work(state) + 2;
            Volatile.Write(ref page[slot], known);
        }

        return known - 2;
    }
}

/// <summary>A string or null per word (a verb's action, a plural's singular), with a marker for a null answer.</summary>
internal sealed class WordStrings
{
    private static readonly string None = new('\0', 1);

    private readonly string?[]?[] _pages = WordPages.New<string?>();

    /// <inheritdoc cref="WordNumbers.Get"/>
    public string? Get<TState>(int id, TState state, Func<TState, string?> work)
    {
        var page = WordPages.Page(_pages, id);
        var slot = id & (WordPages.Size - 1);
        var known = Volatile.Read(ref page[slot]);
        if (known is null)
        {
            known = work(state) ?? None;
            Volatile.Write(ref page[slot], known);
        }

        return ReferenceEquals(known, None) ? null : known;
    }
}
