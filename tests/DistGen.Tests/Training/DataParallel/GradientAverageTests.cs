using DistGen.Training.DataParallel;

namespace DistGen.Tests.Training.DataParallel;

public sealed class GradientAverageTests
{
    private static float[] Values(int length, int seed) => GradientValues.Of(length, seed);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void The_mean_equals_the_double_precision_mean_rounded_once(int workers)
    {
        // 37 values: the vector loops and their scalar tails both run.
        var gradients = Enumerable.Range(0, workers).Select(w => Values(37, seed: w)).ToArray();
        var average = new GradientAverage(37);
        foreach (var g in gradients) average.Add(g);
        var expected = Enumerable.Range(0, 37).Select(i => (float)(gradients.Sum(g => (double)g[i]) / workers)).ToArray();
        Assert.Equal(expected, average.Mean().ToArray());
    }

    [Fact]
    public void The_mean_of_one_gradient_is_that_gradient()
    {
        var gradient = Values(19, seed: 7);
        var average = new GradientAverage(19);
        average.Add(gradient);
        Assert.Equal(gradient, average.Mean().ToArray());
    }

    [Fact]
    public void After_reset_only_the_new_gradients_count()
    {
        var average = new GradientAverage(20);
        average.Add(Values(20, seed: 1));
        average.Add(Values(20, seed: 2));
        _ = average.Mean();
        average.Reset();
        var (a, b) = (Values(20, seed: 3), Values(20, seed: 4));
        average.Add(a);
        average.Add(b);
        Assert.Equal(2, average.Count);
        Assert.Equal(a.Zip(b, (x, y) => (float)(((double)x + y) / 2)).ToArray(), average.Mean().ToArray());
    }

    [Theory]
    [InlineData(float.NaN, 3)]
    [InlineData(float.PositiveInfinity, 17)]
    [InlineData(float.NegativeInfinity, 30)]
    public void A_non_finite_value_anywhere_is_refused(float bad, int position)
    {
        var gradient = Values(31, seed: 5);
        gradient[position] = bad;
        var error = Assert.Throws<ArgumentException>(() => new GradientAverage(31).Add(gradient));
        Assert.Contains("non-finite", error.Message);
    }

    [Fact]
    public void A_gradient_of_the_wrong_length_is_refused() =>
        Assert.Throws<ArgumentException>(() => new GradientAverage(8).Add(new float[9]));
}
