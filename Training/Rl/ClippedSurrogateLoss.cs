using DistGen.Training.Core;
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
        // Numbers reach libtorch only as Scalars kept alive to the end of this method (see Scalars).
        var one = Scalars.Constant(1L);
        var two = Scalars.Constant(2L);
        using var clipScalar = Scalars.Owned(clip);
        using var low = Scalars.Owned(1 - clip);
        using var high = Scalars.Owned(1 + clip);
        var logRatio = current.LogProb - oldLogProbs;
        var ratio = logRatio.exp();
        double approxKl, clipFraction;
        using (no_grad())
        {
            var ratioMinusOne = ratio.sub(one);
            approxKl = (ratioMinusOne - logRatio).mean().item<float>();
            clipFraction = ratioMinusOne.abs().gt(clipScalar).to(ScalarType.Float32).mean().item<float>();
        }

        var a = normalizeAdvantages
            ? (advantages - advantages.mean()) / advantages.std().add(Scalars.Constant(NormalizationEpsilon), Scalars.One)
            : advantages;
        // L_clip = -E[min(r*A, clip(r, 1-eps, 1+eps)*A)]
        var policyLoss = -minimum(ratio * a, ratio.clamp(low, high) * a).mean();

        var valueError = (current.Value - returns).pow(two);
        if (valueClip > 0)
        {
            using var lowValue = Scalars.Owned(-valueClip);
            using var highValue = Scalars.Owned(valueClip);
            var clippedValue = oldValues.add((current.Value - oldValues).clamp(lowValue, highValue), Scalars.One);
            valueError = maximum(valueError, (clippedValue - returns).pow(two));
        }
        var valueLoss = valueError.mean();
        var entropy = current.Entropy.mean();
        // L = L_clip + c_v * L_V - c_e * H
        using var valueWeight = Scalars.Owned(valueCoefficient);
        using var entropyWeight = Scalars.Owned(entropyCoefficient);
        var total = policyLoss.add(valueLoss.mul(valueWeight), Scalars.One).sub(entropy.mul(entropyWeight));
        return new SurrogateLoss(total, policyLoss.item<float>(), valueLoss.item<float>(), entropy.item<float>(), approxKl, clipFraction);
    }
}
