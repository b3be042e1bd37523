namespace Grump.Hyper.Compiler;

/// <summary>Who made an artifact. The version is part of every cache key: bump it when output changes.</summary>
public static class CompilerInfo
{
    public const string Name = "grump-hyper";
    public const string Version = "0.1.0";
}
