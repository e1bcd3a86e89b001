using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistGen.Training.Vae;

/// <summary>
/// Anomaly detection with an autoencoder: inputs the model reconstructs badly are unlike its training data.
/// Score = -log p(x | z = mu(x)), the Bernoulli reconstruction error at the posterior mean (higher = more anomalous).
/// </summary>
public static class ReconstructionAnomalyScore
{
    // s(x) = sum_i BCE(decode(mu(x))_i, x_i)
    public static Tensor Score(VariationalAutoencoder vae, Tensor x)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (mu, _) = vae.Encode(x);
        var logits = vae.Decode(mu);
        return binary_cross_entropy_with_logits(logits, x, reduction: TorchSharp.torch.nn.Reduction.None).sum(1).MoveToOuterDisposeScope();
    }

    /// <summary>Area under the ROC curve of scores separating anomalies (positives) from normal inputs: P(s_anomaly > s_normal).</summary>
    public static double AreaUnderRoc(IReadOnlyList<double> normal, IReadOnlyList<double> anomalous)
    {
        var all = normal.Select(s => (Score: s, Anomalous: false)).Concat(anomalous.Select(s => (Score: s, Anomalous: true)))
            .OrderBy(p => p.Score).ToArray();
        // Mann-Whitney U with average ranks for ties.
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
}
