using System.Collections.Concurrent;

namespace Grump.Hyper.Engine.Speculation;

/// <summary>
/// A first-order Markov model of which modules change together across a project's successive builds:
/// for each module, how often each other module changed in the same build or the next one. Given what
/// has changed so far, it names the modules most likely to have changed too, which the engine compiles
/// first (speculative pre-work: the likely misses start while the likely hits are still being looked
/// up). Bounded: at most <see cref="MaxFollowers"/> followers per module and <see cref="MaxModules"/>
/// modules per project; the least counted go first.
/// </summary>
public sealed class ChangeModel
{
    public const int MaxFollowers = 32;
    public const int MaxModules = 100_000;

    /// <summary>
    /// A build that changed more than this is a cold build or a sweeping edit: it says nothing about which
    /// modules go together, and learning from it would cost changed² updates. It only resets the history.
    /// </summary>
    public const int MaxChangedPerBuild = 256;

    private readonly ConcurrentDictionary<string, ProjectHistory> _projects = new(StringComparer.Ordinal);

    /// <summary>Records one build's changed modules, learning from it and from the build before.</summary>
    public void Observe(string project, IReadOnlyCollection<string> changed)
    {
        var history = _projects.GetOrAdd(project, _ => new ProjectHistory());
        lock (history)
        {
            if (changed.Count > MaxChangedPerBuild)
            {
                history.Previous = [];
                return;
            }

            foreach (var from in history.Previous.Concat(changed).Distinct(StringComparer.Ordinal))
            {
                history.Seen[from] = history.Seen.GetValueOrDefault(from) + 1;
                foreach (var to in changed)
                {
                    if (from != to)
                    {
                        history.Count(from, to);
                    }
                }
            }

            history.Previous = [.. changed];
        }
    }

    /// <summary>The modules likeliest to change along with <paramref name="changed"/>, best first, each with its estimated probability.</summary>
    public IReadOnlyList<(string Module, double Probability)> Predict(string project, IEnumerable<string> changed, double threshold = 0.3)
    {
        if (!_projects.TryGetValue(project, out var history))
        {
            return [];
        }

        lock (history)
        {
            var known = changed.ToHashSet(StringComparer.Ordinal);
            var scores = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var from in known.Concat(history.Previous))
            {
                if (!history.Followers.TryGetValue(from, out var followers) || !history.Seen.TryGetValue(from, out var seen))
                {
                    continue;
                }

                foreach (var (to, count) in followers)
                {
                    scores[to] = Math.Max(scores.GetValueOrDefault(to), (double)count / seen);
                }
            }

            return [.. scores.Where(s => s.Value >= threshold && !known.Contains(s.Key)).OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal)
                .Select(s => (s.Key, Math.Round(s.Value, 3)))];
        }
    }

    private sealed class ProjectHistory
    {
        public Dictionary<string, Dictionary<string, int>> Followers { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> Seen { get; } = new(StringComparer.Ordinal);

        public string[] Previous { get; set; } = [];

        public void Count(string from, string to)
        {
            if (!Followers.TryGetValue(from, out var followers))
            {
                if (Followers.Count >= MaxModules)
                {
                    return;
                }

                Followers[from] = followers = new Dictionary<string, int>(StringComparer.Ordinal);
            }

            followers[to] = followers.GetValueOrDefault(to) + 1;
            if (followers.Count > MaxFollowers)
            {
                followers.Remove(followers.MinBy(f => (f.Value, f.Key)).Key);
            }
        }
    }
}
