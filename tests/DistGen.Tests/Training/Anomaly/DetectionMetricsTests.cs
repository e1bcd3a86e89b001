using DistGen.Training.Anomaly;

namespace DistGen.Tests.Training.Anomaly;

public sealed class DetectionMetricsTests
{
    [Fact]
    public void Auroc_is_1_for_perfect_separation_0_for_reversed_and_half_for_ties()
    {
        Assert.Equal(1.0, DetectionMetrics.AreaUnderRoc([1, 2, 3], [4, 5]));
        Assert.Equal(0.0, DetectionMetrics.AreaUnderRoc([4, 5], [1, 2, 3]));
        Assert.Equal(0.5, DetectionMetrics.AreaUnderRoc([1, 1], [1, 1]));
        // One anomaly (3) beats 2 of 3 normals (1, 2) and loses to one (4): 2/3.
        Assert.Equal(2.0 / 3, DetectionMetrics.AreaUnderRoc([1, 2, 4], [3]), 12);
        // Pairs (anomaly, normal): 2>1 yes, 2=2 half, 3>1 yes, 3>2 yes: (1 + 0.5 + 1 + 1) / 4.
        Assert.Equal(3.5 / 4, DetectionMetrics.AreaUnderRoc([1, 2], [2, 3]), 12);
    }

    [Fact]
    public void Average_precision_counts_tied_scores_as_one_threshold()
    {
        // Ranked 5 (A), 4 (N), 3 (A): precision 1 at recall 1/2, then 2/3 at recall 1: (1 + 2/3) / 2.
        Assert.Equal((1 + 2.0 / 3) / 2, DetectionMetrics.AreaUnderPrecisionRecall([4], [5, 3]), 12);
        // Everything tied: one threshold flags all 4 with precision 2/4, recall 1.
        Assert.Equal(0.5, DetectionMetrics.AreaUnderPrecisionRecall([1, 1], [1, 1]), 12);
        // A tie of the top normal and anomaly: the threshold flags both (precision 1/2, recall 1/2), then the other anomaly (2/3, 1).
        Assert.Equal(0.5 * 0.5 + 0.5 * (2.0 / 3), DetectionMetrics.AreaUnderPrecisionRecall([5, 1], [5, 3]), 12);
        Assert.Equal(1.0, DetectionMetrics.AreaUnderPrecisionRecall([1, 2], [3, 4]), 12);
    }

    [Fact]
    public void The_roc_curve_steps_through_each_distinct_score_and_its_trapezoids_are_the_auroc()
    {
        double[] normal = [1, 2, 2, 5], anomalous = [2, 3, 6];
        var curve = DetectionMetrics.RocCurve(normal, anomalous);

        Assert.Equal([double.PositiveInfinity, 6, 5, 3, 2, 1], curve.Select(p => p.Threshold));
        Assert.Equal((0.0, 0.0), (curve[0].FalsePositiveRate, curve[0].TruePositiveRate));
        Assert.Equal((0.25, 1.0 / 3), (curve[2].FalsePositiveRate, curve[2].TruePositiveRate));
        Assert.Equal((1.0, 1.0), (curve[^1].FalsePositiveRate, curve[^1].TruePositiveRate));
        double trapezoids = curve.Zip(curve.Skip(1)).Sum(p => (p.Second.FalsePositiveRate - p.First.FalsePositiveRate) * (p.First.TruePositiveRate + p.Second.TruePositiveRate) / 2);
        Assert.Equal(DetectionMetrics.AreaUnderRoc(normal, anomalous), trapezoids, 12);
    }

    [Theory]
    [InlineData(0.0, 10)]
    [InlineData(0.1, 9)]
    [InlineData(0.15, 9)]
    [InlineData(0.2, 8)]
    [InlineData(0.5, 5)]
    public void The_threshold_leaves_at_most_the_rate_of_held_out_normal_scores_above_it(double rate, double expected)
    {
        double[] normal = [3, 1, 4, 10, 5, 9, 2, 6, 8, 7];
        double threshold = DetectionMetrics.ThresholdAtFalsePositiveRate(normal, rate);

        Assert.Equal(expected, threshold);
        Assert.True(normal.Count(s => s > threshold) <= rate * normal.Length);
    }

    [Fact]
    public void Missing_classes_and_non_finite_scores_are_refused_by_name()
    {
        Assert.Contains("need both classes", Assert.Throws<ArgumentException>(() => DetectionMetrics.AreaUnderRoc([], [1])).Message);
        Assert.Contains("not finite", Assert.Throws<ArgumentException>(() => DetectionMetrics.AreaUnderPrecisionRecall([double.NaN], [1])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DetectionMetrics.ThresholdAtFalsePositiveRate([1], 1.0));
        Assert.Throws<ArgumentException>(() => DetectionMetrics.ThresholdAtFalsePositiveRate([], 0.05));
    }
}
