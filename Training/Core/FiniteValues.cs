using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DistGen.Training.Core;

/// <summary>
/// Whether float32 values are all finite, checked 8 at a time: every received gradient and parameter vector is checked,
/// and a scalar loop over a million values costs milliseconds per tensor.
/// </summary>
public static class FiniteValues
{
    /// <summary>The index of the first NaN or infinity, or -1 when every value is finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        // A float is finite unless all its exponent bits are set (infinity, NaN).
        const uint exponent = 0x7F80_0000;
        var bits = MemoryMarshal.Cast<float, uint>(values);
        var mask = Vector256.Create(exponent);
        int i = 0;
        for (; i + Vector256<uint>.Count <= bits.Length; i += Vector256<uint>.Count)
            if (Vector256.EqualsAny(Vector256.Create(bits.Slice(i, Vector256<uint>.Count)) & mask, mask)) break;
        for (; i < bits.Length; i++)
            if ((bits[i] & exponent) == exponent) return i;
        return -1;
    }

    /// <summary>True when no value is NaN or infinite.</summary>
    public static bool All(ReadOnlySpan<float> values) => FirstNonFinite(values) < 0;
}
