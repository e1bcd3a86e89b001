using System.Runtime.InteropServices;
using DistGen.Grains.DataPlane;

namespace DistGen.Tests.Grains.DataPlane;

public sealed class BFloat16Tests
{
    private static float RoundTrip(float value) => RoundTrip([value])[0];

    private static float[] RoundTrip(float[] values)
    {
        var wire = new byte[values.Length * 2];
        BFloat16.Narrow(values, wire);
        var back = new float[values.Length];
        BFloat16.Widen(wire, back);
        return back;
    }

    [Fact]
    public void Ties_round_to_even()
    {
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: it goes to the even mantissa, 1.
        Assert.Equal(1f, RoundTrip(1f + MathF.Pow(2, -8)));
        // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even).
        Assert.Equal(1f + MathF.Pow(2, -6), RoundTrip(1f + 3 * MathF.Pow(2, -8)));
        // Just above the halfway point rounds up.
        Assert.Equal(1f + MathF.Pow(2, -7), RoundTrip(BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(1f + MathF.Pow(2, -8)) + 1)));
    }

    [Fact]
    public void Special_values_survive()
    {
        Assert.Equal(float.PositiveInfinity, RoundTrip(float.PositiveInfinity));
        Assert.Equal(float.NegativeInfinity, RoundTrip(float.NegativeInfinity));
        Assert.True(float.IsNaN(RoundTrip(float.NaN)));
        Assert.True(float.IsNaN(RoundTrip(BitConverter.Int32BitsToSingle(0x7F80_0001))));
        Assert.Equal(-0f, RoundTrip(-0f));
        Assert.True(float.IsNegative(RoundTrip(-0f)));
    }

    [Fact]
    public void Vector_and_scalar_paths_agree_and_stay_within_bfloat16_precision()
    {
        var values = Tensors.Random(1037, seed: 5).Data;
        var back = RoundTrip(values);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(RoundTrip(values[i]), back[i]);
            Assert.True(Math.Abs(back[i] - values[i]) <= Math.Abs(values[i]) / 256);
            Assert.Equal(0, BitConverter.SingleToInt32Bits(back[i]) & 0xFFFF);
        }
    }

    [Fact]
    public void Values_already_in_bfloat16_are_exact()
    {
        var values = RoundTrip(Tensors.Random(100, seed: 6).Data);
        Assert.True(MemoryMarshal.AsBytes(values.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(RoundTrip(values).AsSpan())));
    }
}
