namespace Grump.Hyper.Compiler;

/// <summary>
/// Values kept from one build for the next, by the identity of what they were made from (a line, a page, a piece's
/// first id): a build reads the build before's table and fills its own, and the two swap when it ends, so what no
/// build asked for again is dropped and a steady project allocates no table. One per document or list; one build at a
/// time.
/// </summary>
internal sealed class BuildTables<TKey, TValue>
    where TKey : class
{
    private Dictionary<TKey, TValue> _last = new(ReferenceEqualityComparer.Instance);
    private Dictionary<TKey, TValue> _next = new(ReferenceEqualityComparer.Instance);

    /// <summary>What the build before kept for <paramref name="key"/>.</summary>
    public bool TryGet(TKey key, out TValue value) => _last.TryGetValue(key, out value!);

    /// <summary>Keeps a value for the next build (the first kept for a key stands).</summary>
    public void Keep(TKey key, TValue value) => _next.TryAdd(key, value);

    /// <summary>Starts a build: whatever a build abandoned half-way (an exception) left is dropped.</summary>
    public void Begin() => _next.Clear();

    /// <summary>The build is done: what it kept is what the next build finds.</summary>
    public void End()
    {
        (_last, _next) = (_next, _last);
        _next.Clear();
    }

    public void Clear()
    {
        _last.Clear();
        _next.Clear();
    }
}
