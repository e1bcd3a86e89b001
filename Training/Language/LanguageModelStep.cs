using DistGen.Training.Core;
using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>
/// The gradient half of a language-model training step, shared by the reference trainer and distributed workers:
/// loss and gradients for one minibatch, plus the seeded loss estimate used for validation.
/// </summary>
public static class LanguageModelStep
{
    /// <summary>
    /// Zeroes the gradients, computes the mean next-token cross-entropy of the batch and back-propagates it, leaving
    /// the gradients in the parameters (read them with <see cref="ParameterVector.FlattenGradients"/>). Returns the loss.
    /// </summary>
    public static double ComputeGradients(CharTransformer model, Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        model.zero_grad();
        var logits = model.forward(inputs.to(model.Device));
        var loss = LanguageModelLoss.Compute(logits, targets.to(model.Device));
        loss.backward();
        return loss.item<float>();
    }

    /// <summary>Mean loss over <paramref name="batches"/> windows batches drawn with a fresh generator seeded by <paramref name="seed"/>
    /// (so every call sees the same batches), without gradients and in evaluation mode.</summary>
    public static double EstimateLoss(CharTransformer model, ITokenStream tokens, bool validation, int batches, int batchSize, long seed)
    {
        var rng = new SplitMix64(seed);
        using var evaluation = EvaluationMode.Enter(model);
        using var noGrad = no_grad();
        double total = 0;
        for (int i = 0; i < batches; i++)
        {
            using var scope = NewDisposeScope();
            var (inputs, targets) = tokens.SampleWindows(validation, batchSize, model.ContextLength, rng);
            var logits = model.forward(inputs.to(model.Device));
            total += LanguageModelLoss.Compute(logits, targets.to(model.Device)).item<float>();
        }
        return total / batches;
    }
}
