using System.Globalization;

namespace Grump.Hyper.Benchmarks;

internal static class Args
{
    public static double Get(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>The <c>--tier</c> given, or conservative (the honest baseline).</summary>
    public static Grump.Hyper.Engine.Pipeline.CompileTier Tier(string[] args)
    {
        var i = Array.IndexOf(args, "--tier");
        return i >= 0 && i + 1 < args.Length && Grump.Hyper.Engine.Pipeline.CompileTiers.TryParse(args[i + 1], out var tier) ? tier : Grump.Hyper.Engine.Pipeline.CompileTier.Conservative;
    }
}
