using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Grump.Hyper.Engine.Kernels;

/// <summary>
/// The scan as an ILGPU kernel, one thread per file: on a CUDA device when there is one, else on ILGPU's
/// CPU accelerator (correct, but slower than plain loops: it is how the kernel is tested without a GPU).
/// ComputeSharp, the other .NET GPU library, runs only on Windows DirectX 12, so it is not used. One
/// accelerator per instance; launches are serialised, as an accelerator stream is not shared safely.
/// </summary>
public sealed class IlgpuTextKernel : ITextKernel, IDisposable
{
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly Action<Index1D, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<int>> _kernel;
    private readonly Lock _gate = new();

    private IlgpuTextKernel(Context context, Accelerator accelerator)
    {
        _context = context;
        _accelerator = accelerator;
        _kernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<int>>(ScanFile);
    }

    public string Name => $"ilgpu-{(_accelerator.AcceleratorType == AcceleratorType.Cuda ? "cuda" : "cpu")}";

    public bool OnGpu => _accelerator.AcceleratorType == AcceleratorType.Cuda;

    /// <summary>A CUDA device's kernel, or null when there is none (or it cannot start).</summary>
    public static IlgpuTextKernel? TryCuda()
    {
        Context? context = null;
        try
        {
            context = Context.Create(builder => builder.Cuda());
            var devices = context.GetCudaDevices();
            if (devices.Count == 0)
            {
                context.Dispose();
                return null;
            }

            return new IlgpuTextKernel(context, devices[0].CreateAccelerator(context));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            context?.Dispose();
            return null;
        }
    }

    /// <summary>ILGPU's CPU accelerator: same kernel, run by threads on the processor.</summary>
    public static IlgpuTextKernel Cpu()
    {
        var context = Context.Create(builder => builder.CPU());
        return new IlgpuTextKernel(context, context.CreateCPUAccelerator(0));
    }

    public void Scan(ReadOnlyMemory<byte> data, ReadOnlySpan<int> offsets, Span<TextStats> stats)
    {
        if (stats.Length == 0)
        {
            return;
        }

        int[] newlines;
        int[] high;
        lock (_gate)
        {
            // The device buffer is never empty; an empty batch of bytes is one unused zero.
            using var bytes = _accelerator.Allocate1D<byte>(Math.Max(1, data.Length));
            bytes.View.AsContiguous().SubView(0, data.Length).CopyFromCPU(data.Span);
            using var starts = _accelerator.Allocate1D(offsets.ToArray());
            using var lines = _accelerator.Allocate1D<int>(stats.Length);
            using var marks = _accelerator.Allocate1D<int>(stats.Length);
            _kernel(stats.Length, bytes.View, starts.View, lines.View, marks.View);
            _accelerator.Synchronize();
            newlines = lines.GetAsArray1D();
            high = marks.GetAsArray1D();
        }

        for (var f = 0; f < stats.Length; f++)
        {
            stats[f] = new TextStats(newlines[f], high[f] == 0);
        }
    }

    public void Dispose()
    {
        _accelerator.Dispose();
        _context.Dispose();
    }

    private static void ScanFile(Index1D file, ArrayView<byte> data, ArrayView<int> offsets, ArrayView<int> newlines, ArrayView<int> high)
    {
        var count = 0;
        var bits = 0;
        for (var i = offsets[file]; i < offsets[file + 1]; i++)
        {
            var b = data[i];
            count += b == (byte)'\n' ? 1 : 0;
            bits |= b & 0x80;
        }

        newlines[file] = count;
        high[file] = bits;
    }
}
