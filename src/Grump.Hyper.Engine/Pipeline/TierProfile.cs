namespace Grump.Hyper.Engine.Pipeline;

/// <summary>
/// What a tier turns on, read in one place: the pipeline asks the profile, never compares tiers. Every
/// subsystem is an optimisation only; switching any of them off leaves the artifacts byte-identical.
/// </summary>
/// <param name="Parallel">Compile modules and run the finishing stages on every core.</param>
/// <param name="Cache">Content-addressed module cache (L1, and L2 when configured) and the early cutoff of unchanged projects.</param>
/// <param name="TieredMatchers">Matchers promoted by use (frozen, compiled); off: the interpreted lexicon.</param>
/// <param name="Scan">The text-kernel pre-scan (UTF-8 and line hints per file, SIMD or GPU).</param>
/// <param name="Speculation">The change model that orders likely misses first.</param>
public sealed record TierProfile(bool Parallel, bool Cache, bool TieredMatchers, bool Scan, bool Speculation)
{
    /// <summary>
    /// The table. Insane runs as aggressive in one process; across workers it fans out (see the API). A
    /// subsystem stays on in a tier only where the benchmark's ablation measured a gain: speculation cost
    /// time cold and on a 1% edit in every run (and predicted nothing), so it is off in every tier and
    /// stays available through <see cref="HyperOptions.Profile"/>; the pre-scan measured within noise
    /// (-14% one run, +3% the next), so it keeps its place until a run says otherwise.
    /// </summary>
    public static TierProfile For(CompileTier tier) => tier switch
    {
        CompileTier.Conservative => new(Parallel: false, Cache: false, TieredMatchers: false, Scan: false, Speculation: false),
        CompileTier.Balanced => new(Parallel: false, Cache: true, TieredMatchers: true, Scan: false, Speculation: false),
        _ => new(Parallel: true, Cache: true, TieredMatchers: true, Scan: true, Speculation: false),
    };
}
