using CsCheck;
using DistGen.Training.Core;

namespace DistGen.Tests.Training.Core;

public sealed class FiniteValuesTests
{
    [Fact]
    public void Finite_values_of_every_kind_pass()
    {
        float[] values = [0f, -0f, 1f, -1f, float.MaxValue, float.MinValue, float.Epsilon, -float.Epsilon, 1e-40f, 3.4e38f, 7f];
        Assert.Equal(-1, FiniteValues.FirstNonFinite(values));
        Assert.True(FiniteValues.All([]));
    }

    // Any length (vector body and scalar tail), any position, any of NaN, +inf, -inf, and a second bad value after it:
    // the first one's index is found.
    [Fact]
    public void The_first_nan_or_infinity_is_found_wherever_it_is() =>
        Gen.Int[1, 100].SelectMany(n => Gen.Int[0, n - 1].SelectMany(at => Gen.Int[0, 2].Select(kind => (n, at, kind)))).Sample(c =>
        {
            var values = Enumerable.Range(0, c.n).Select(i => (float)Math.Sin(i) * 1e3f).ToArray();
            values[c.at] = c.kind switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity };
            if (c.at + 1 < c.n) values[^1] = float.NaN;
            Assert.Equal(c.at, FiniteValues.FirstNonFinite(values));
            Assert.False(FiniteValues.All(values));
        });
}
