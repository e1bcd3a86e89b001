using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>
/// The optimiser half of a training step, apart from gradient computation so a coordinator can apply averaged
/// gradients: AdamW with weight decay on matrices/embeddings only, a settable learning rate and global-norm clipping.
/// </summary>
public static class AdamWUpdate
{
    /// <summary>AdamW over <paramref name="module"/>'s parameters: decay on tensors of rank >= 2, none on biases and norm gains.</summary>
    public static AdamOptimizer Create(nn.Module module, double learningRate, double beta1, double beta2, double weightDecay) =>
        new(module.parameters().Select(p => (p, p.dim() >= 2 ? weightDecay : 0.0)), learningRate, beta1, beta2);

    /// <summary>
    /// Sets the learning rate, clips the gradients already stored in the parameters to <paramref name="maxGradNorm"/>
    /// (0 = no clipping) and takes one optimiser step. Returns the gradient norm before clipping (NaN when not clipping).
    /// </summary>
    public static double Apply(nn.Module module, AdamOptimizer optimizer, double learningRate, double maxGradNorm)
    {
        optimizer.LearningRate = learningRate;
        double norm = maxGradNorm > 0 ? nn.utils.clip_grad_norm_(module.parameters(), maxGradNorm) : double.NaN;
        optimizer.Step();
        return norm;
    }
}
