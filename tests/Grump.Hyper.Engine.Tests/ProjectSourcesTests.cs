using Grump.Hyper.Engine.Archives;
using Grump.Hyper.Engine.Projects;

namespace Grump.Hyper.Engine.Tests;

public sealed class ProjectSourcesTests
{
    /// <summary>The CLI reads the user's own folder under local limits, not an upload's: 20,000 files is no ceiling.</summary>
    [Fact]
    public void A_local_folder_past_the_upload_file_limit_loads_under_the_local_limits()
    {
        var root = Directory.CreateTempSubdirectory("grump-local-").FullName;
        try
        {
            var count = ArchiveLimits.Default.MaxEntries + 50;
            for (var i = 0; i < count; i++)
            {
                var folder = Path.Combine(root, $"area{i % 100:00}");
                Directory.CreateDirectory(folder);
                File.WriteAllText(Path.Combine(folder, $"m{i:00000}.intent"), "x");
            }

            Assert.False(ProjectSources.Load(root, ArchiveLimits.Default).IsSuccess);
            var local = ProjectSources.Load(root, ArchiveLimits.LocalProject);
            Assert.True(local.IsSuccess, local.Error?.Detail);
            Assert.Equal(count, local.Files!.Count);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
