using static TorchSharp.torch;

namespace DistGen.Training.Rl;

/// <summary>
/// PPO's clipped surrogate objective (Schulman et al. 2017) with a value loss and an entropy bonus, plus the diagnostics
/// CleanRL logs (approximate KL, clip fraction). The value loss is the plain mean squared error, as in Stable-Baselines3.
/// </summary>
public static class ClippedSurrogateLoss
{
    /// <summary>Advantages are normalised as (A - mean) / (std + this).</summary>
    public const double NormalizationEpsilon = 1e-8;

    /// <param name="current">log pi(a|s), entropy and V(s) under the parameters being trained (with gradients).</param>
    /// <param name="oldLogProbs">[B] log pi_old(a|s) of the policy that acted.</param>
    /// <param name="oldValues">[B] V_old(s) of the critic that acted (the centre of value clipping).</param>
    /// <param name="advantages">[B] advantage estimates A.</param>
    /// <param name="returns">[B] value targets R.</param>
    /// <param name="clip">eps of the ratio band [1-eps, 1+eps].</param>
    /// <param name="valueCoefficient">c_v.</param>
    /// <param name="entropyCoefficient">c_e.</param>
    /// <param name="valueClip">Clip V to V_old +- this and take the larger error (CleanRL); 0 turns it off.</param>
    /// <param name="normalizeAdvantages">Normalise A within this minibatch.</param>
    public static SurrogateLoss Compute(PolicyEvaluation current, Tensor oldLogProbs, Tensor oldValues, Tensor advantages, Tensor returns,
        double clip, double valueCoefficient = 0.5, double entropyCoefficient = 0.0, double valueClip = 0.0, bool normalizeAdvantages = true)
    {
        var logRatio = current.LogProb - oldLogProbs;
        var ratio = logRatio.exp();
        double approxKl, clipFraction;
        using (no_grad())
        {
            approxKl = ((ratio - 1) - logRatio).mean().item<float>();
            clipFraction = (ratio - 1).abs().gt(clip).to(ScalarType.Float32).mean().item<float>();
        }

        var a = normalizeAdvantages ? (advantages - advantages.mean()) / (advantages.std() + NormalizationEpsilon) : advantages;
        // L_clip = -E[min(r*A, clip(r, 1-eps, 1+eps)*A)]
        var policyLoss = -minimum(ratio * a, ratio.clamp(1 - clip, 1 + clip) * a).mean();

        var valueError = (current.Value - returns).square();
        if (valueClip > 0)
        {
            var clippedValue = oldValues + (current.Value - oldValues).clamp(-valueClip, valueClip);
            valueError = maximum(valueError, (clippedValue - returns).square());
        }
        var valueLoss = valueError.mean();
        var entropy = current.Entropy.mean();
        // L = L_clip + c_v * L_V - c_e * H
        var total = policyLoss + valueCoefficient * valueLoss - entropyCoefficient * entropy;
        return new SurrogateLoss(total, policyLoss.item<float>(), valueLoss.item<float>(), entropy.item<float>(), approxKl, clipFraction);
    }
}
