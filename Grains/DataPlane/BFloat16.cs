using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// The bfloat16 wire format: the upper 16 bits of a float32 (sign, 8 exponent bits, 7 mantissa bits), rounded to
/// nearest with ties to even; NaN stays NaN. Little-endian, two bytes per element.
/// </summary>
public static class BFloat16
{
    /// <summary>Rounds <paramref name="source"/> to bfloat16 into <paramref name="destination"/> (2 bytes per element).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Narrow(ReadOnlySpan<float> source, Span<byte> destination)
    {
        if (destination.Length < source.Length * 2)
            throw new ArgumentException($"needs {source.Length * 2} bytes, has {destination.Length}", nameof(destination));
        var bits = MemoryMarshal.Cast<float, uint>(source);
        var halves = MemoryMarshal.Cast<byte, ushort>(destination);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 2 * Vector256<uint>.Count <= bits.Length; i += 2 * Vector256<uint>.Count)
            {
                var lower = Round(Vector256.Create(bits.Slice(i, Vector256<uint>.Count)));
                var upper = Round(Vector256.Create(bits.Slice(i + Vector256<uint>.Count, Vector256<uint>.Count)));
                Vector256.Narrow(lower, upper).CopyTo(halves[i..]);
            }
        }
        for (; i < bits.Length; i++)
            halves[i] = Round(bits[i]);
    }

    /// <summary>Widens bfloat16 values (2 bytes each) back to float32; exact.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Widen(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var halves = MemoryMarshal.Cast<byte, ushort>(source);
        if (destination.Length < halves.Length)
            throw new ArgumentException($"needs {halves.Length} elements, has {destination.Length}", nameof(destination));
        var bits = MemoryMarshal.Cast<float, uint>(destination);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<ushort>.Count <= halves.Length; i += Vector256<ushort>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.Create(halves.Slice(i, Vector256<ushort>.Count)));
                (lower << 16).CopyTo(bits[i..]);
                (upper << 16).CopyTo(bits[(i + Vector256<uint>.Count)..]);
            }
        }
        for (; i < halves.Length; i++)
            bits[i] = (uint)halves[i] << 16;
    }

    // Round to nearest even: add 0x7FFF plus the lowest kept bit, then truncate; a NaN keeps its top bits, made quiet.
    private static ushort Round(uint x) =>
        (x & 0x7FFF_FFFF) > 0x7F80_0000 ? (ushort)((x >> 16) | 0x40) : (ushort)((x + 0x7FFF + ((x >> 16) & 1)) >> 16);

    private static Vector256<uint> Round(Vector256<uint> x)
    {
        var rounded = (x + Vector256.Create(0x7FFFu) + ((x >> 16) & Vector256<uint>.One)) >> 16;
        var quietNaN = (x >> 16) | Vector256.Create(0x40u);
        var isNaN = Vector256.GreaterThan(x & Vector256.Create(0x7FFF_FFFFu), Vector256.Create(0x7F80_0000u));
        return Vector256.ConditionalSelect(isNaN, quietNaN, rounded);
    }
}
