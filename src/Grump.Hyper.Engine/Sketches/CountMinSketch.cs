namespace Grump.Hyper.Engine.Sketches;

/// <summary>
/// Frequencies in fixed memory (Cormode–Muthukrishnan): width ⌈e/ε⌉, depth ⌈ln 1/δ⌉. An estimate never
/// under-counts and over-counts by at most ε·N with probability 1-δ (N = total added). Conservative
/// update tightens it further. <see cref="Halve"/> ages the counts, as W-TinyLFU does.
/// </summary>
public sealed class CountMinSketch
{
    private readonly int[] _counts;
    private readonly int _width;
    private readonly object _gate = new();

    public CountMinSketch(double epsilon, double delta)
    {
        _width = (int)Math.Ceiling(Math.E / epsilon);
        Depth = (int)Math.Ceiling(Math.Log(1 / delta));
        _counts = new int[_width * Depth];
    }

    public int Depth { get; }

    public int Width => _width;

    public long Total { get; private set; }

    public void Add(string key, int count = 1)
    {
        var (h1, h2) = Hashing.Pair(key);
        lock (_gate)
        {
            var min = Estimate(h1, h2);
            for (var row = 0; row < Depth; row++)
            {
                ref var cell = ref _counts[Index(row, h1, h2)];
                cell = Math.Max(cell, min + count); // conservative update: raise only the cells that need it
            }

            Total += count;
        }
    }

    public int Estimate(string key)
    {
        var (h1, h2) = Hashing.Pair(key);
        lock (_gate)
        {
            return Estimate(h1, h2);
        }
    }

    /// <summary>Halves every counter, so old popularity fades.</summary>
    public void Halve()
    {
        lock (_gate)
        {
            for (var i = 0; i < _counts.Length; i++)
            {
                _counts[i] >>= 1;
            }

            Total >>= 1;
        }
    }

    private int Estimate(ulong h1, ulong h2)
    {
        var min = int.MaxValue;
        for (var row = 0; row < Depth; row++)
        {
            min = Math.Min(min, _counts[Index(row, h1, h2)]);
        }

        return min;
    }

    private int Index(int row, ulong h1, ulong h2) => (row * _width) + (int)((h1 + ((ulong)row * h2)) % (ulong)_width);
}
