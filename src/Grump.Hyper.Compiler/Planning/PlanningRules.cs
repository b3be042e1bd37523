using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Reflection;

namespace Grump.Hyper.Compiler.Planning;

/// <summary>The planner's tables, read from <c>Extraction/Lexicon/tasks.txt</c>.</summary>
internal sealed class PlanningRules
{
    private static readonly Lazy<PlanningRules> LazyDefault = new(Load);

    public static PlanningRules Default => LazyDefault.Value;

    public required FrozenDictionary<string, ImmutableArray<string>> ToolsByAction { get; init; }
    public required FrozenDictionary<string, ImmutableArray<string>> ToolsByWord { get; init; }
    public required FrozenSet<string> Risky { get; init; }
    public required FrozenSet<string> Moderate { get; init; }
    public required FrozenDictionary<string, string> RiskFactors { get; init; }
    public required FrozenDictionary<string, int> SecondsByAction { get; init; }
    public required FrozenDictionary<string, int> SizePercent { get; init; }
    public required FrozenDictionary<string, string> SizeOf { get; init; }
    public required int SecondsPerTool { get; init; }

    /// <summary>A task's estimate: its action's seconds scaled by the feature's size, plus a step per tool.</summary>
    public int Estimate(string action, string feature, int tools)
    {
        var seconds = SecondsByAction.TryGetValue(action, out var known) ? known : SecondsByAction["build"];
        var percent = SizePercent[SizeOf.GetValueOrDefault(feature, "medium")];
        return (seconds * percent / 100) + (SecondsPerTool * tools);
    }

    private static PlanningRules Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Lexicon.tasks.txt")
            ?? throw new InvalidOperationException("tasks.txt is not embedded in the compiler.");
        using var reader = new StreamReader(stream);
        var rows = new List<string[]>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#')
            {
                rows.Add(line.Split('|', StringSplitOptions.TrimEntries));
            }
        }

        ImmutableArray<string> List(string s) => [.. s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
        FrozenDictionary<string, ImmutableArray<string>> Map(string kind) =>
            rows.Where(r => r[0] == kind).ToFrozenDictionary(r => r[1], r => List(r[2]), StringComparer.Ordinal);
        int Seconds(string key) => int.Parse(rows.Single(r => r[0] == "seconds" && r[1] == key)[2], System.Globalization.CultureInfo.InvariantCulture);

        int Number(string s) => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
        var sizes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in rows.Where(r => r[0] == "size"))
        {
            foreach (var feature in List(row[2]))
            {
                if (!sizes.TryAdd(feature, row[1]) && sizes[feature] != row[1])
                {
                    throw new InvalidOperationException($"tasks.txt gives '{feature}' two sizes.");
                }
            }
        }

        var rules = new PlanningRules
        {
            ToolsByAction = Map("tools-by-action"),
            ToolsByWord = Map("tools-by-word"),
            Risky = rows.Where(r => r[0] == "risky").SelectMany(r => List(r[2])).ToFrozenSet(StringComparer.Ordinal),
            Moderate = rows.Where(r => r[0] == "moderate").SelectMany(r => List(r[2])).ToFrozenSet(StringComparer.Ordinal),
            RiskFactors = rows.Where(r => r[0] == "risk-factor").ToFrozenDictionary(r => r[1], r => r[2], StringComparer.Ordinal),
            SecondsByAction = rows.Where(r => r[0] == "seconds-by-action").ToFrozenDictionary(r => r[1], r => Number(r[2]), StringComparer.Ordinal),
            SizePercent = rows.Where(r => r[0] == "size-percent").ToFrozenDictionary(r => r[1], r => Number(r[2]), StringComparer.Ordinal),
            SizeOf = sizes.ToFrozenDictionary(StringComparer.Ordinal),
            SecondsPerTool = Seconds("per-tool"),
        };

        // An estimate of zero would let a task finish with what it waits for (see Reduction).
        if (rules.SecondsByAction.Values.Any(s => s * rules.SizePercent.Values.Min() / 100 <= 0) || rules.SizeOf.Values.Any(s => !rules.SizePercent.ContainsKey(s)))
        {
            throw new InvalidOperationException("tasks.txt: every action needs seconds above zero at every size, and every size a percent.");
        }

        return rules;
    }
}
