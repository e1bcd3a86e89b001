using DistGen.Training.Core;
using DistGen.Training.Data;

namespace DistGen.Tests.Training.Data;

public sealed class GaussianMixture2DTests
{
    [Fact]
    public void Ring_has_8_modes_of_radius_2_and_grid_25_modes_on_the_even_lattice()
    {
        var ring = GaussianMixture2D.Ring8();
        Assert.Equal(8, ring.Modes.Count);
        Assert.All(ring.Modes, m => Assert.Equal(2.0, Math.Sqrt(m.X * m.X + m.Y * m.Y), 12));
        Assert.Equal(0.02, ring.Std);

        var grid = GaussianMixture2D.Grid25();
        Assert.Equal(25, grid.Modes.Count);
        Assert.Equal(new[] { -4.0, -2, 0, 2, 4 }, grid.Modes.Select(m => m.X).Distinct().Order());
        Assert.Equal(25, grid.Modes.Distinct().Count());
        Assert.Equal(0.05, grid.Std);
    }

    [Theory]
    [InlineData("ring8", 8)]
    [InlineData("grid25", 25)]
    public void Samples_of_the_true_distribution_cover_every_mode_with_near_zero_reverse_kl(string name, int modes)
    {
        var mixture = GaussianMixture2D.Named(name);
        using var points = mixture.Sample(GaussianMixture2D.EvaluationSampleCount, new SplitMix64(42));

        var quality = mixture.Evaluate(points);

        Assert.Equal(modes, quality.ModeCount);
        Assert.Equal(modes, quality.ModesCovered);
        // P(|z| <= 3) for a 2-D standard normal is 1 - exp(-9/2) = 0.989.
        Assert.InRange(quality.HighQualityFraction, 0.975, 1.0);
        Assert.InRange(quality.ReverseKl, 0.0, 0.03);
    }

    [Fact]
    public void Samples_from_only_three_modes_cover_three()
    {
        var ring = GaussianMixture2D.Ring8();
        var three = new GaussianMixture2D("three", ring.Modes.Take(3).ToArray(), ring.Std);
        var points = three.SamplePoints(2_500, new SplitMix64(1));

        var quality = ring.Evaluate(points);

        Assert.Equal(3, quality.ModesCovered);
        Assert.InRange(quality.HighQualityFraction, 0.975, 1.0);
        // Uniform over 3 of 8 modes: KL = ln(8/3).
        Assert.Equal(Math.Log(8.0 / 3), quality.ReverseKl, 1);
    }

    [Fact]
    public void A_mode_needs_a_quarter_of_its_fair_share_to_count_as_covered()
    {
        var ring = GaussianMixture2D.Ring8();
        // 2,500 points: 79 on mode 1 (>= 2500/32 = 78.125), 78 on mode 2 (below), the rest on mode 0.
        var xy = new List<float>();
        void Put(int mode, int count)
        {
            for (int i = 0; i < count; i++) xy.AddRange([(float)ring.Modes[mode].X, (float)ring.Modes[mode].Y]);
        }
        Put(1, 79);
        Put(2, 78);
        Put(0, 2_500 - 79 - 78);

        Assert.Equal(2, ring.Evaluate(xy.ToArray()).ModesCovered);
    }

    [Fact]
    public void Points_far_from_every_mode_are_low_quality_and_score_total_collapse()
    {
        var ring = GaussianMixture2D.Ring8();
        var quality = ring.Evaluate(Enumerable.Repeat(0f, 2 * 100).ToArray());

        Assert.Equal(new ModeQuality(0, 8, 0.0, Math.Log(8)), quality);
    }

    [Fact]
    public void Same_generator_state_gives_the_same_samples()
    {
        var grid = GaussianMixture2D.Grid25();
        Assert.Equal(grid.SamplePoints(50, new SplitMix64(3)), grid.SamplePoints(50, new SplitMix64(3)));
        Assert.NotEqual(grid.SamplePoints(50, new SplitMix64(3)), grid.SamplePoints(50, new SplitMix64(4)));
    }
}
