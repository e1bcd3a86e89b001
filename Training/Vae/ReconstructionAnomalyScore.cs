using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistGen.Training.Vae;

/// <summary>
/// Anomaly detection with an autoencoder: inputs the model reconstructs badly are unlike its training data.
/// Score = -log p(x | z = mu(x)), the Bernoulli reconstruction error at the posterior mean (higher = more anomalous);
/// how well it separates is measured by Training/Anomaly/DetectionMetrics.cs.
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
}
