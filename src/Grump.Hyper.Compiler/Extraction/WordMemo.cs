using System.Collections.Concurrent;

namespace Grump.Hyper.Compiler.Extraction;

/// <summary>
/// A word's answer from a pure function of the word, kept per process: the same few thousand words come back in
/// every file, and working an answer out allocates (inflected forms as strings). Bounded, because the words come
/// from uploads: past <see cref="Capacity"/> distinct words, answers are worked out and not kept.
/// </summary>
internal sealed class WordMemo
{
    public const int Capacity = 50_000;

    private readonly ConcurrentDictionary<string, string?> _answers = new(StringComparer.Ordinal);
    private int _count;

    /// <param name="work">Static, given <paramref name="state"/>: no delegate is made per call.</param>
    public string? Of<TState>(string word, TState state, Func<TState, string, string?> work)
    {
        if (_answers.TryGetValue(word, out var answer))
        {
            return answer;
        }

        answer = work(state, word);
        if (Volatile.Read(ref _count) < Capacity && _answers.TryAdd(word, answer))
        {
            Interlocked.Increment(ref _count); // not _answers.Count: that takes every lock of the table
        }

        return answer;
    }
}
