namespace Grump.Hyper.Engine.Pipeline;

/// <summary>
/// What a tier turns on, read in one place: the pipeline asks the profile, never compares tiers. Every
/// subsystem is an optimisation only; switching any of them off leaves the artifacts byte-identical.
/// </summary>
/// <param name="Parallel">Compile modules and run the finishing stages on every core.</param>
/// <param name="Memo">The project's memo: each stage reuses what its inputs did not change since the project's last build, and a whole unchanged project is handed back.</param>
/// <param name="Cache">The content-addressed module cache (L1, and L2 when configured): modules by content across projects and processes.</param>
/// <param name="TieredMatchers">Matchers promoted by use (frozen, compiled); off: the interpreted lexicon.</param>
/// <param name="Scan">The text-kernel pre-scan (UTF-8 and line hints per file, SIMD or GPU).</param>
/// <param name="Speculation">The change model that orders likely misses first.</param>
public sealed record TierProfile(bool Parallel, bool Memo, bool Cache, bool TieredMatchers, bool Scan, bool Speculation)
{
    /// <summary>
    /// The table. Insane runs as aggressive in one process; across workers it fans out (see the API). A
    /// subsystem stays on in a tier only where the benchmark's ablation measured a gain; the others stay
    /// available through <see cref="HyperOptions.Profile"/>. Measured off: speculation (cost time cold and
    /// on a 1% edit in every run, predicted nothing); tiered matchers (cost 20-29% cold and up to 18% on
    /// edits: on this vocabulary every promoted tier measured slower than the interpreted hash maps); the
    /// pre-scan (saved about 1 ms of UTF-8 checks per 5 MB and cost 7-15% in the last run, within noise
    /// before). What pays: the memo (79% of a 1% edit), the module cache (35% of a build of another project
    /// that shares most of its sources: a branch, another tenant) and parallelism (20% cold).
    /// </summary>
    public static TierProfile For(CompileTier tier) => tier switch
    {
        CompileTier.Conservative => new(Parallel: false, Memo: false, Cache: false, TieredMatchers: false, Scan: false, Speculation: false),
        CompileTier.Balanced => new(Parallel: false, Memo: true, Cache: true, TieredMatchers: false, Scan: false, Speculation: false),
        _ => new(Parallel: true, Memo: true, Cache: true, TieredMatchers: false, Scan: false, Speculation: false),
    };
}
