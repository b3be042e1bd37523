using System.Runtime.Intrinsics;

namespace Grump.Hyper.Engine.Kernels;

/// <summary>
/// Picks a scan backend per batch: the GPU (found once, by a start-up probe) for batches big enough to
/// pay for the copies, SIMD where Vector256 is accelerated, else scalar. A backend that throws is
/// reported and the batch is scanned again by the next one down, so a failing GPU never changes a result.
/// </summary>
public sealed class TextKernels : IDisposable
{
    /// <summary>Below this many bytes a batch stays on the CPU: copying to a device costs more than scanning.</summary>
    public const long GpuMinBatchBytes = 8L * 1024 * 1024;

    private readonly ITextKernel? _gpu;
    private readonly ITextKernel _cpu;
    private readonly long _gpuMinBytes;
    private int _gpuFailures;

    public TextKernels(ITextKernel? gpu, ITextKernel? cpu = null, long gpuMinBytes = GpuMinBatchBytes)
    {
        _gpu = gpu;
        _cpu = cpu ?? (Vector256.IsHardwareAccelerated ? SimdTextKernel.Instance : ScalarTextKernel.Instance);
        _gpuMinBytes = gpuMinBytes;
    }

    /// <summary>Probes for a CUDA device once; without one (or with GRUMP_GPU=off) everything runs on the CPU.</summary>
    public static TextKernels Probe() =>
        new(string.Equals(Environment.GetEnvironmentVariable("GRUMP_GPU"), "off", StringComparison.OrdinalIgnoreCase) ? null : IlgpuTextKernel.TryCuda());

    public string GpuName => _gpu?.Name ?? "none";

    public int GpuFailures => Volatile.Read(ref _gpuFailures);

    /// <summary>Scans a batch and says which backend answered.</summary>
    public string Scan(ReadOnlyMemory<byte> data, ReadOnlySpan<int> offsets, Span<TextStats> stats)
    {
        if (_gpu is not null && data.Length >= _gpuMinBytes && Volatile.Read(ref _gpuFailures) < 3)
        {
            try
            {
                _gpu.Scan(data, offsets, stats);
                return _gpu.Name;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Interlocked.Increment(ref _gpuFailures);
            }
        }

        _cpu.Scan(data, offsets, stats);
        return _cpu.Name;
    }

    public void Dispose() => (_gpu as IDisposable)?.Dispose();
}
