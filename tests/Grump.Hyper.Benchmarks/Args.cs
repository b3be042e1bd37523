using System.Globalization;

namespace Grump.Hyper.Benchmarks;

internal static class Args
{
    public static double Get(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
