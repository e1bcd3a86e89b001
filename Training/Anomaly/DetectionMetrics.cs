namespace DistGen.Training.Anomaly;

/// <summary>
/// How well a score separates anomalies (positives) from normal items (negatives), higher scores meaning more
/// anomalous: AUROC, AUPRC, the ROC curve, and the threshold that keeps a chosen false-positive rate. Tied scores are one
/// threshold: they are counted together, never in an order that favours either class.
/// </summary>
public static class DetectionMetrics
{
    /// <summary>One point of the ROC curve: at threshold <see cref="Threshold"/>, items scoring at least it are flagged.</summary>
    public readonly record struct RocPoint(double Threshold, double FalsePositiveRate, double TruePositiveRate);

    /// <summary>
    /// The area under the ROC curve: P(s_anomalous &gt; s_normal) + P(equal) / 2 (the Mann-Whitney U statistic, ties
    /// counted half), the area under the curve drawn through every distinct threshold with straight segments.
    /// </summary>
    public static double AreaUnderRoc(IReadOnlyList<double> normal, IReadOnlyList<double> anomalous)
    {
        Check(normal, anomalous);
        var all = Sorted(normal, anomalous);
        double rankSum = 0;
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j < all.Length && all[j].Score == all[i].Score) j++;
            double averageRank = (i + 1 + j) / 2.0;
            for (int k = i; k < j; k++) if (all[k].Anomalous) rankSum += averageRank;
            i = j;
        }
        double n1 = anomalous.Count, n0 = normal.Count;
        return (rankSum - n1 * (n1 + 1) / 2) / (n1 * n0);
    }

    /// <summary>
    /// The area under the precision-recall curve as average precision: the sum over distinct thresholds, from the highest
    /// score down, of (recall gained) x (precision at that threshold), every item tied at a threshold flagged together.
    /// A score that ranks every anomaly first gets 1; a random one the share of anomalies.
    /// </summary>
    public static double AreaUnderPrecisionRecall(IReadOnlyList<double> normal, IReadOnlyList<double> anomalous)
    {
        Check(normal, anomalous);
        var all = Sorted(normal, anomalous);
        double area = 0;
        int flagged = 0, truePositives = 0;
        for (int end = all.Length; end > 0;)
        {
            int start = end - 1;
            while (start > 0 && all[start - 1].Score == all[end - 1].Score) start--;
            int gained = 0;
            for (int k = start; k < end; k++) if (all[k].Anomalous) gained++;
            flagged += end - start;
            truePositives += gained;
            area += (double)gained / anomalous.Count * truePositives / flagged;
            end = start;
        }
        return area;
    }

    /// <summary>The ROC curve from (0, 0) to (1, 1), one point per distinct score, highest threshold first.</summary>
    public static IReadOnlyList<RocPoint> RocCurve(IReadOnlyList<double> normal, IReadOnlyList<double> anomalous)
    {
        Check(normal, anomalous);
        var all = Sorted(normal, anomalous);
        var points = new List<RocPoint> { new(double.PositiveInfinity, 0, 0) };
        int falsePositives = 0, truePositives = 0;
        for (int end = all.Length; end > 0;)
        {
            int start = end - 1;
            while (start > 0 && all[start - 1].Score == all[end - 1].Score) start--;
            for (int k = start; k < end; k++)
                if (all[k].Anomalous) truePositives++;
                else falsePositives++;
            points.Add(new RocPoint(all[start].Score, (double)falsePositives / normal.Count, (double)truePositives / anomalous.Count));
            end = start;
        }
        return points;
    }

    /// <summary>
    /// The lowest threshold at which at most <paramref name="falsePositiveRate"/> of <paramref name="normal"/> scores
    /// strictly above it: flagging what scores above the threshold then flags at most that share of normal items like
    /// these (held-out normal data, not the test set). With rate 0, the highest normal score.
    /// </summary>
    public static double ThresholdAtFalsePositiveRate(IReadOnlyList<double> normal, double falsePositiveRate)
    {
        if (normal.Count == 0) throw new ArgumentException("no normal scores to set a threshold on", nameof(normal));
        if (falsePositiveRate is < 0 or >= 1 || double.IsNaN(falsePositiveRate))
            throw new ArgumentOutOfRangeException(nameof(falsePositiveRate), falsePositiveRate, "a false-positive rate is in [0, 1)");
        if (normal.Any(s => !double.IsFinite(s))) throw new ArgumentException("a normal score is not finite", nameof(normal));
        var sorted = normal.Order().ToArray();
        // At most floor(rate * n) scores may lie above the threshold: the threshold is the score just below them.
        int allowedAbove = (int)Math.Floor(falsePositiveRate * sorted.Length + 1e-9);
        return sorted[sorted.Length - 1 - allowedAbove];
    }

    private static (double Score, bool Anomalous)[] Sorted(IReadOnlyList<double> normal, IReadOnlyList<double> anomalous) =>
        normal.Select(s => (Score: s, Anomalous: false)).Concat(anomalous.Select(s => (Score: s, Anomalous: true)))
            .OrderBy(p => p.Score).ToArray();

    private static void Check(IReadOnlyList<double> normal, IReadOnlyList<double> anomalous)
    {
        if (normal.Count == 0 || anomalous.Count == 0)
            throw new ArgumentException($"need both classes: {normal.Count} normal and {anomalous.Count} anomalous scores");
        if (normal.Concat(anomalous).Any(s => !double.IsFinite(s)))
            throw new ArgumentException("a score is not finite (NaN or infinite): the detector's scores are broken");
    }
}
