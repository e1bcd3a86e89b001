using DistGen.Training.Sweeps;

namespace DistGen.Training.Anomaly;

/// <summary>
/// Published mean AUROCs of the one-class protocol (each class of Fashion-MNIST in turn as normal, the other nine as
/// anomalies, AUROC on the test set averaged over the ten), from Golan &amp; El-Yaniv, "Deep Anomaly Detection Using
/// Geometric Transformations", NeurIPS 2018, Table 1. A sweep's table shows them only when the sweep is that protocol.
/// </summary>
public static class OneClassAnchors
{
    private const string Source = "Golan & El-Yaniv 2018, Table 1";

    private static readonly (string Method, double MeanAuroc)[] FashionMnist =
    [
        ("GEOM", 0.935),
        ("RAW-OC-SVM", 0.928),
        ("CAE-OC-SVM", 0.917),
        ("ADGAN", 0.884),
        ("DSEBM", 0.866),
    ];

    /// <summary>
    /// The anchors for <paramref name="sweep"/>'s table: for an anomaly sweep on Fashion-MNIST whose members take each
    /// class 0-9 once as the only normal class, one row per method with its mean AUROC under every AUROC column; none otherwise.
    /// </summary>
    public static IReadOnlyList<PublishedAnchor> For(SweepSpec sweep, IReadOnlyList<string> columns)
    {
        if (sweep.Workload != "anomaly" || sweep.Members.Any(m => m.Job.Spec.Data.Name != "fashion-mnist")) return [];
        var normal = sweep.Members.Select(m => ((AnomalyTrainingOptions)m.Job.Training).NormalClasses).ToList();
        if (normal.Any(c => c.Length != 1) || !normal.Select(c => c[0]).Order().SequenceEqual(Enumerable.Range(0, 10))) return [];
        var aurocs = columns.Where(c => c.StartsWith("auroc_", StringComparison.Ordinal) || c == "best_auroc").ToList();
        return [.. FashionMnist.Select(a => new PublishedAnchor(a.Method, Source, aurocs.ToDictionary(c => c, _ => a.MeanAuroc)))];
    }
}
