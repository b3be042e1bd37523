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
    public required FrozenDictionary<string, int> SecondsByWord { get; init; }
    public required int BaseSeconds { get; init; }
    public required int SecondsPerTool { get; init; }

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

        return new PlanningRules
        {
            ToolsByAction = Map("tools-by-action"),
            ToolsByWord = Map("tools-by-word"),
            Risky = rows.Where(r => r[0] == "risky").SelectMany(r => List(r[2])).ToFrozenSet(StringComparer.Ordinal),
            Moderate = rows.Where(r => r[0] == "moderate").SelectMany(r => List(r[2])).ToFrozenSet(StringComparer.Ordinal),
            RiskFactors = rows.Where(r => r[0] == "risk-factor").ToFrozenDictionary(r => r[1], r => r[2], StringComparer.Ordinal),
            SecondsByWord = rows.Where(r => r[0] == "seconds-by-word")
                .ToFrozenDictionary(r => r[1], r => int.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal),
            BaseSeconds = Seconds("base"),
            SecondsPerTool = Seconds("per-tool"),
        };
    }
}
