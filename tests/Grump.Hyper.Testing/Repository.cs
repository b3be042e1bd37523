namespace Grump.Hyper.Testing;

/// <summary>Where the repository is, found above the running test binaries (by the solution file).</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Grump.Hyper.Api.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Grump.Hyper.Api.sln) was not found above the test binaries.");
    }
}
