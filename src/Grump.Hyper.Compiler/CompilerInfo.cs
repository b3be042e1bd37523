namespace Grump.Hyper.Compiler;

/// <summary>Who made an artifact. Version and build are part of every cache key.</summary>
public static class CompilerInfo
{
    public const string Name = "grump-hyper";
    public const string Version = "0.1.0";

    /// <summary>
    /// This build of the compiler: its assembly's module version id, which a deterministic build derives from the
    /// code and the embedded lexicon files. Cache keys carry it, so a compiler that reads English differently never
    /// gets a module compiled by another one back from a shared cache (the version number alone did not change).
    /// </summary>
    public static readonly string Build = typeof(CompilerInfo).Assembly.ManifestModule.ModuleVersionId.ToString("n");
}
