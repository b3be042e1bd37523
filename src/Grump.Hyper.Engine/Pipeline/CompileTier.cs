namespace Grump.Hyper.Engine.Pipeline;

/// <summary>How hard the engine works. Every tier gives byte-identical artifacts; only speed differs.</summary>
public enum CompileTier
{
    Conservative,
    Balanced,
    Aggressive,
    Insane,
}

public static class CompileTiers
{
    public const CompileTier Default = CompileTier.Balanced;

    public static string Name(this CompileTier tier) => tier switch
    {
        CompileTier.Conservative => "conservative",
        CompileTier.Balanced => "balanced",
        CompileTier.Aggressive => "aggressive",
        _ => "insane",
    };

    public static bool TryParse(string? text, out CompileTier tier)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "conservative": tier = CompileTier.Conservative; return true;
            case "balanced": tier = CompileTier.Balanced; return true;
            case "aggressive": tier = CompileTier.Aggressive; return true;
            case "insane": tier = CompileTier.Insane; return true;
            default: tier = Default; return false;
        }
    }
}
