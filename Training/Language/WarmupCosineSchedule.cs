namespace DistGen.Training.Language;

/// <summary>
/// Learning rate per step: linear warm-up to the peak, then (optionally) cosine decay to a floor at the last step.
/// </summary>
public sealed class WarmupCosineSchedule(double peak, int warmupSteps, int totalSteps, bool cosineDecay = true, double minimumRatio = 0.1)
{
    /// <summary>The learning rate of 0-based step <paramref name="step"/>.</summary>
    public double At(long step)
    {
        if (step < warmupSteps) return peak * (step + 1) / warmupSteps;
        if (!cosineDecay) return peak;
        double minimum = peak * minimumRatio;
        double progress = Math.Clamp((double)(step - warmupSteps) / Math.Max(1, totalSteps - 1 - warmupSteps), 0, 1);
        // lr(s) = lr_min + ½ (lr_peak - lr_min) (1 + cos(π · progress)), progress = (s - W) / (S - 1 - W)
        return minimum + 0.5 * (peak - minimum) * (1 + Math.Cos(Math.PI * progress));
    }

    public static WarmupCosineSchedule From(CharLmTrainingOptions options) =>
        new(options.LearningRate, options.WarmupSteps, options.Steps, options.CosineDecay, options.MinLearningRateRatio);
}
