using System.Text;
using Grump.Hyper.Compiler.Emit;
using Grump.Hyper.Compiler.Modules;
using Grump.Hyper.Engine.Kernels;
using Grump.Hyper.Engine.Pipeline;

namespace Grump.Hyper.Engine.Tests;

public sealed class TextKernelTests
{
    /// <summary>Files of every length around the 32-byte vector width, ASCII or not, with newlines anywhere.</summary>
    private static (byte[] Data, int[] Offsets) Batch(int seed)
    {
        var random = new Random(seed);
        var files = new List<byte[]> { Array.Empty<byte>() };
        for (var length = 1; length < 100; length++)
        {
            var bytes = new byte[length];
            for (var i = 0; i < length; i++)
            {
                bytes[i] = random.Next(6) == 0 ? (byte)'\n' : (byte)random.Next(32, 127);
            }

            if (length % 3 == 0)
            {
                bytes[random.Next(length)] = (byte)(0x80 + random.Next(0x40));
            }

            files.Add(bytes);
        }

        files.Add(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("line one\nünïcode line\n", 50))));
        var offsets = new int[files.Count + 1];
        for (var i = 0; i < files.Count; i++)
        {
            offsets[i + 1] = offsets[i] + files[i].Length;
        }

        return ([.. files.SelectMany(f => f)], offsets);
    }

    private static TextStats[] Run(ITextKernel kernel, byte[] data, int[] offsets)
    {
        var stats = new TextStats[offsets.Length - 1];
        kernel.Scan(data, offsets, stats);
        return stats;
    }

    [Fact]
    public void Scalar_counts_newlines_and_spots_non_ascii()
    {
        var data = "a\nb\n"u8.ToArray().Concat("é\n"u8.ToArray()).ToArray();
        var stats = Run(ScalarTextKernel.Instance, data, [0, 4, data.Length]);
        Assert.Equal([new TextStats(2, true), new TextStats(1, false)], stats);
    }

    [Fact]
    public void Simd_and_ilgpu_cpu_agree_with_scalar_on_every_length_and_byte()
    {
        using var ilgpu = IlgpuTextKernel.Cpu();
        Assert.Equal("ilgpu-cpu", ilgpu.Name);
        for (var seed = 0; seed < 3; seed++)
        {
            var (data, offsets) = Batch(seed);
            var expected = Run(ScalarTextKernel.Instance, data, offsets);
            Assert.Contains(expected, s => !s.Ascii);
            Assert.Contains(expected, s => s.Ascii && s.Newlines > 0);
            Assert.Equal(expected, Run(SimdTextKernel.Instance, data, offsets));
            Assert.Equal(expected, Run(ilgpu, data, offsets));
        }
    }

    [Fact]
    public void A_failing_gpu_falls_back_to_the_cpu_with_the_same_answers()
    {
        var (data, offsets) = Batch(1);
        using var kernels = new TextKernels(new Failing(), ScalarTextKernel.Instance, gpuMinBytes: 0);
        var stats = new TextStats[offsets.Length - 1];
        Assert.Equal("scalar", kernels.Scan(data, offsets, stats));
        Assert.Equal(1, kernels.GpuFailures);
        Assert.Equal(Run(ScalarTextKernel.Instance, data, offsets), stats);
    }

    [Fact]
    public void Small_batches_stay_on_the_cpu_and_big_ones_go_to_the_device()
    {
        using var device = IlgpuTextKernel.Cpu();
        using var kernels = new TextKernels(device, SimdTextKernel.Instance, gpuMinBytes: 1000);
        var (data, offsets) = Batch(2);
        var stats = new TextStats[offsets.Length - 1];
        Assert.StartsWith("simd", kernels.Scan(data.AsMemory(0, offsets[3]), offsets.AsSpan(0, 4), stats.AsSpan(0, 3)), StringComparison.Ordinal);
        Assert.Equal("ilgpu-cpu", kernels.Scan(data, offsets, stats));
    }

    [Fact]
    public void Kernel_hints_never_change_artifacts()
    {
        var files = new List<SourceFile>
        {
            new("a.intent", Encoding.UTF8.GetBytes("---\nid: a\nroute: /a\n---\nBuild a shopping cart with React.\n")),
            new("b.intent", Encoding.UTF8.GetBytes("---\nid: b\ndepends: [a]\n---\nAjoute un café: build search with Postgres.\r\nNo Kafka.\n")),
            new("c.intent", new byte[] { 0x2D, 0x2D, 0x2D, 0x0A, 0xFF, 0x0A }),
        };
        using var device = IlgpuTextKernel.Cpu();
        using var kernels = new TextKernels(device, gpuMinBytes: 0);
        // The pre-scan is off in the default tiers (it did not pay in the ablation); switched on here, it must change nothing.
        var scanning = HyperOptions.Default with { Tier = CompileTier.Aggressive, Profile = TierProfile.For(CompileTier.Aggressive) with { Scan = true } };
        var aggressive = new HyperCompiler(kernels: kernels).Compile(files, scanning, cancellationToken: TestContext.Current.CancellationToken);
        var conservative = new HyperCompiler().Compile(files, HyperOptions.Default with { Tier = CompileTier.Conservative }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("ilgpu-cpu", aggressive.Metrics.Backends["text"]);
        Assert.Equal(conservative.Artifacts.Select(a => a.Key), aggressive.Artifacts.Select(a => a.Key));
        foreach (var (path, content) in conservative.Artifacts.Where(a => a.Key != ArtifactSet.Metrics))
        {
            Assert.Equal(content.ToArray(), aggressive.Artifacts[path]);
        }
    }

    private sealed class Failing : ITextKernel
    {
        public string Name => "failing";

        public void Scan(ReadOnlyMemory<byte> data, ReadOnlySpan<int> offsets, Span<TextStats> stats) => throw new InvalidOperationException("device lost");
    }
}
