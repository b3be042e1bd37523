using Grump.Hyper.Engine.Projects;

namespace Grump.Hyper.Engine.Tests;

public sealed class MappedFilesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("grump-mapped-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, int length, byte fill)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, Enumerable.Range(0, length).Select(i => (byte)(fill + (i % 7))).ToArray());
        return path;
    }

    private static byte[] ReadAll(MappedFiles files, string path)
    {
        using var stream = files.Open(path);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray()[..(int)new FileInfo(path).Length];
    }

    [Fact]
    public void Large_files_are_mapped_with_at_most_capacity_open_and_read_back_exactly()
    {
        using var files = new MappedFiles(capacity: 2, threshold: 1000);
        var paths = Enumerable.Range(0, 4).Select(i => Write($"f{i}.bin", 5000 + i, (byte)i)).ToList();
        foreach (var path in paths)
        {
            Assert.Equal(File.ReadAllBytes(path), ReadAll(files, path));
            Assert.True(files.OpenCount <= 2);
        }

        Assert.Equal(2, files.OpenCount);
        Assert.Equal(File.ReadAllBytes(paths[0]), ReadAll(files, paths[0])); // evicted, mapped again
    }

    [Fact]
    public void Small_files_are_not_mapped_and_a_changed_file_is_not_served_stale()
    {
        using var files = new MappedFiles(capacity: 4, threshold: 1000);
        var small = Write("small.bin", 10, 1);
        Assert.Equal(File.ReadAllBytes(small), ReadAll(files, small));
        Assert.Equal(0, files.OpenCount);

        var big = Write("big.bin", 4000, 1);
        Assert.Equal(File.ReadAllBytes(big), ReadAll(files, big));
        File.WriteAllBytes(big, Enumerable.Repeat((byte)9, 4100).ToArray());
        Assert.Equal(File.ReadAllBytes(big), ReadAll(files, big));
    }
}
