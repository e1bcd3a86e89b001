using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>The next-token cross-entropy of a language model, averaged over every position of the batch.</summary>
public static class LanguageModelLoss
{
    /// <summary>Mean cross-entropy (nats per token) of logits [B, T, V] against int64 targets [B, T].</summary>
    public static Tensor Compute(Tensor logits, Tensor targets)
    {
        long vocabulary = logits.shape[^1];
        // L = -(1/N) Σ_n log softmax(z_n)[y_n], over all N = B·T positions n
        return nn.functional.cross_entropy(logits.reshape(-1, vocabulary), targets.reshape(-1));
    }
}
