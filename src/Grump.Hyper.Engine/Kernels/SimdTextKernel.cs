using System.Numerics;
using System.Runtime.Intrinsics;

namespace Grump.Hyper.Engine.Kernels;

/// <summary>
/// 32 bytes per step with Vector256 (compare with '\n', pop-count the mask; OR the bytes for the high
/// bit), the tail one byte at a time. Where Vector256 is not accelerated it still runs, in software.
/// </summary>
public sealed class SimdTextKernel : ITextKernel
{
    public static SimdTextKernel Instance { get; } = new();

    public string Name => Vector256.IsHardwareAccelerated ? "simd-avx2" : "simd-software";

    public void Scan(ReadOnlyMemory<byte> data, ReadOnlySpan<int> offsets, Span<TextStats> stats)
    {
        var bytes = data.Span;
        var newline = Vector256.Create((byte)'\n');
        for (var f = 0; f < stats.Length; f++)
        {
            var file = bytes[offsets[f]..offsets[f + 1]];
            var newlines = 0;
            var high = Vector256<byte>.Zero;
            var i = 0;
            for (; i + Vector256<byte>.Count <= file.Length; i += Vector256<byte>.Count)
            {
                var block = Vector256.Create(file.Slice(i, Vector256<byte>.Count));
                newlines += BitOperations.PopCount(Vector256.Equals(block, newline).ExtractMostSignificantBits());
                high |= block;
            }

            var tailHigh = 0;
            for (; i < file.Length; i++)
            {
                newlines += file[i] == (byte)'\n' ? 1 : 0;
                tailHigh |= file[i] & 0x80;
            }

            stats[f] = new TextStats(newlines, tailHigh == 0 && high.ExtractMostSignificantBits() == 0);
        }
    }
}
