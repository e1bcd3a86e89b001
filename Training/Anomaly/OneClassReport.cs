using System.Globalization;
using DistGen.Training.Core;
using DistGen.Training.Vae;
using static TorchSharp.torch;

namespace DistGen.Training.Anomaly;

/// <summary>
/// What an anomaly detector's run adds when it finishes: each chosen score of the test set and of the held-out normal
/// images; per score its AUROC, AUPRC, the threshold at the chosen false-positive rate (set on the held-out normal
/// images) and the test set's false- and true-positive rates at it; and roc.png, scores.png (normal against anomalous
/// under the best score), anomalies.png (the most and the least anomalous test images) and scores.csv.
/// </summary>
public sealed class OneClassReport(OneClassSplit split, AnomalyTrainingOptions options, string dataName) : IVaeReport
{
    // Noise streams of the held-out normal images start past any test index.
    private const int HeldOutStreams = 1_000_000;

    public void Write(VariationalAutoencoder vae, RunContext run, IDictionary<string, double> figures, IDictionary<string, string> definitions)
    {
        var test = AnomalyScores.Of(vae, split.Test, options.ScoreSamples, run.Seed, firstStream: 0);
        var heldOut = AnomalyScores.Of(vae, split.HeldOutNormal, options.ScoreSamples, run.Seed, firstStream: HeldOutStreams);
        var normalIndices = Enumerable.Range(0, split.Test.Count).Where(i => !split.TestAnomalous[i]).ToArray();
        var anomalousIndices = Enumerable.Range(0, split.Test.Count).Where(i => split.TestAnomalous[i]).ToArray();
        var curves = new List<(string Score, IReadOnlyList<DetectionMetrics.RocPoint> Curve, double Auroc)>();
        foreach (var score in options.Scores)
        {
            var normal = normalIndices.Select(i => test[score][i]).ToArray();
            var anomalous = anomalousIndices.Select(i => test[score][i]).ToArray();
            double auroc = DetectionMetrics.AreaUnderRoc(normal, anomalous);
            double threshold = DetectionMetrics.ThresholdAtFalsePositiveRate(heldOut[score], options.FalsePositiveRate);
            figures[$"auroc_{score}"] = auroc;
            figures[$"auprc_{score}"] = DetectionMetrics.AreaUnderPrecisionRecall(normal, anomalous);
            figures[$"threshold_{score}"] = threshold;
            figures[$"test_fpr_{score}"] = (double)normal.Count(s => s > threshold) / normal.Length;
            figures[$"test_tpr_{score}"] = (double)anomalous.Count(s => s > threshold) / anomalous.Length;
            curves.Add((score, DetectionMetrics.RocCurve(normal, anomalous), auroc));
        }
        var best = curves.MaxBy(c => c.Auroc);
        figures["best_auroc"] = best.Auroc;
        figures["normal_test_images"] = normalIndices.Length;
        figures["anomalous_test_images"] = anomalousIndices.Length;
        figures["held_out_normal_images"] = split.HeldOutNormal.Count;
        definitions["auroc"] = $"area under the ROC curve of a score separating the anomalous {dataName} test images (classes other than " +
            $"[{string.Join(", ", options.NormalClasses)}]) from the normal ones, ties counted half; auprc: average precision with anomalies as positives";
        definitions["threshold"] = $"the lowest score above which at most {options.FalsePositiveRate:G4} of the {split.HeldOutNormal.Count} held-out " +
            "normal training images lie (never trained on); test_fpr and test_tpr: the test images above it";
        definitions["scores"] = $"in nats per image on grey-level pixels: reconstruction = Bernoulli cross-entropy at the posterior mean; neg_elbo = " +
            $"negative ELBO averaged over k = {options.ScoreSamples} samples of q(z|x); iw_nll = importance-weighted -log p(x) with the same samples";

        run.WriteArtifact("roc.png", path => SaveRoc(path, curves));
        run.WriteArtifact("scores.png", path => SaveHistogram(path, best.Score, normalIndices.Select(i => test[best.Score][i]).ToArray(),
            anomalousIndices.Select(i => test[best.Score][i]).ToArray(), figures[$"threshold_{best.Score}"]));
        run.WriteArtifact("anomalies.png", path => SaveExtremes(path, test[best.Score]));
        run.WriteArtifact("scores.csv", path => SaveScores(path, test));
    }

    private void SaveRoc(string path, IEnumerable<(string Score, IReadOnlyList<DetectionMetrics.RocPoint> Curve, double Auroc)> curves)
    {
        var plot = new ScottPlot.Plot();
        plot.Title($"ROC on {dataName}: normal [{string.Join(", ", options.NormalClasses)}] against the rest");
        plot.XLabel("false-positive rate");
        plot.YLabel("true-positive rate");
        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LinePattern = ScottPlot.LinePattern.Dashed;
        chance.LegendText = "chance";
        foreach (var (score, curve, auroc) in curves)
        {
            var line = plot.Add.Scatter(curve.Select(p => p.FalsePositiveRate).ToArray(), curve.Select(p => p.TruePositiveRate).ToArray());
            line.MarkerSize = 0;
            line.LegendText = $"{score} (AUROC {auroc:F3})";
        }
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.SavePng(path, 700, 600);
    }

    private void SaveHistogram(string path, string score, double[] normal, double[] anomalous, double threshold)
    {
        var all = normal.Concat(anomalous).ToArray();
        // The bulk of both, not a far outlier, sets the range.
        double low = Quantile(all, 0.005), high = Quantile(all, 0.995);
        const int bins = 60;
        double width = (high - low) / bins;
        if (width <= 0) width = 1;
        double[] Density(double[] values)
        {
            var counts = new double[bins];
            foreach (var v in values) counts[Math.Clamp((int)((v - low) / width), 0, bins - 1)]++;
            return counts.Select(c => c / values.Length).ToArray();
        }
        var centers = Enumerable.Range(0, bins).Select(b => low + (b + 0.5) * width).ToArray();
        var plot = new ScottPlot.Plot();
        plot.Title($"{score} on the {dataName} test set");
        plot.XLabel($"{score} (nats per image)");
        plot.YLabel("share of images per bin");
        foreach (var (values, name) in new[] { (normal, $"normal ({normal.Length})"), (anomalous, $"anomalous ({anomalous.Length})") })
        {
            var line = plot.Add.Scatter(centers, Density(values));
            line.MarkerSize = 0;
            line.ConnectStyle = ScottPlot.ConnectStyle.StepHorizontal;
            line.LegendText = name;
        }
        var cut = plot.Add.VerticalLine(threshold);
        cut.LegendText = $"threshold at FPR {options.FalsePositiveRate:G3}";
        cut.LinePattern = ScottPlot.LinePattern.Dashed;
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, 800, 500);
    }

    // Two rows of the 16 most anomalous test images, then two rows of the 16 least.
    private void SaveExtremes(string path, double[] scores)
    {
        var order = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ToArray();
        int count = Math.Min(16, order.Length / 2);
        var chosen = order.Take(count).Concat(order.TakeLast(count).Reverse()).ToArray();
        using var scope = NewDisposeScope();
        ImageGrid.Save(path, split.Test.Batch(chosen), columns: 8);
    }

    private void SaveScores(string path, IReadOnlyDictionary<string, double[]> test)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine("index,label,anomalous," + string.Join(',', options.Scores));
        for (int i = 0; i < split.Test.Count; i++)
            writer.WriteLine(string.Join(',', new[] { i.ToString(CultureInfo.InvariantCulture), split.Test.Labels[i].ToString(CultureInfo.InvariantCulture),
                split.TestAnomalous[i] ? "1" : "0" }.Concat(options.Scores.Select(s => test[s][i].ToString("R", CultureInfo.InvariantCulture)))));
    }

    private static double Quantile(double[] values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)(q * (sorted.Length - 1)), 0, sorted.Length - 1)];
    }
}
