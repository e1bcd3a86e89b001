using DistGen.Training.Rl;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Rl;

public sealed class ClippedSurrogateLossTests
{
    private const double Clip = 0.2;
    // Ratios and advantages covering every case of the clip with eps = 0.2:
    //   r=1.1, A=+1: inside the band          -> r*A = 1.1, gradient flows
    //   r=1.5, A=+1: above, clipped            -> min(1.5, 1.2) = 1.2, no gradient
    //   r=0.5, A=-1: below, clipped            -> min(-0.5, -0.8) = -0.8, no gradient
    //   r=1.5, A=-1: above, pessimistic side   -> min(-1.5, -1.2) = -1.5, gradient flows
    //   r=0.5, A=+1: below, pessimistic side   -> min(0.5, 0.8) = 0.5, gradient flows
    private static readonly float[] Ratios = [1.1f, 1.5f, 0.5f, 1.5f, 0.5f];
    private static readonly float[] Advantages = [1, 1, -1, -1, 1];

    private static (SurrogateLoss Loss, Tensor LogProb) Evaluate(float[] ratios, float[] advantages, float[]? values = null, float[]? returns = null,
        float[]? entropy = null, double valueCoefficient = 0, double entropyCoefficient = 0, double valueClip = 0, bool normalize = false)
    {
        int n = ratios.Length;
        // Old log-probs are 0, so the new log-prob is log r.
        var logProb = tensor(ratios.Select(r => MathF.Log(r)).ToArray()).requires_grad_(true);
        var current = new PolicyEvaluation(logProb, tensor(entropy ?? new float[n]), tensor(values ?? new float[n]));
        var loss = ClippedSurrogateLoss.Compute(current, zeros(n), zeros(n), tensor(advantages), tensor(returns ?? new float[n]),
            Clip, valueCoefficient, entropyCoefficient, valueClip, normalize);
        return (loss, logProb);
    }

    [Fact]
    public void Policy_loss_takes_the_pessimistic_minimum_for_positive_and_negative_advantages()
    {
        var (loss, _) = Evaluate(Ratios, Advantages);

        // -(1.1 + 1.2 - 0.8 - 1.5 + 0.5) / 5 = -0.1
        Assert.Equal(-0.1, loss.PolicyLoss, 1e-6);
        Assert.Equal(-0.1, loss.Total.item<float>(), 1e-6);
    }

    [Fact]
    public void Clipped_ratios_get_zero_gradient_and_ratios_inside_the_band_get_the_plain_policy_gradient()
    {
        var (loss, logProb) = Evaluate(Ratios, Advantages);
        loss.Total.backward();

        // d/d(log r) of -r*A/5 is -r*A/5 where the unclipped term is taken, 0 where the clipped constant is.
        float[] expected = [-1.1f / 5, 0, 0, 1.5f / 5, -0.5f / 5];
        var gradient = logProb.grad!.data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], gradient[i], 1e-6f);
    }

    [Fact]
    public void Clip_fraction_and_approx_kl_match_hand_values()
    {
        var (loss, _) = Evaluate(Ratios, Advantages);

        // |r-1| > 0.2 for 1.5, 0.5, 1.5, 0.5: 4 of 5.
        Assert.Equal(0.8, loss.ClipFraction, 1e-6);
        // mean((r-1) - log r) = ((0.1 - ln 1.1) + 2*(0.5 - ln 1.5) + 2*(-0.5 - ln 0.5)) / 5 = 0.0865...
        double expectedKl = (0.1 - Math.Log(1.1) + 2 * (0.5 - Math.Log(1.5)) + 2 * (-0.5 - Math.Log(0.5))) / 5;
        Assert.Equal(expectedKl, loss.ApproxKl, 1e-6);
    }

    [Fact]
    public void Total_loss_adds_weighted_value_error_and_subtracts_weighted_entropy()
    {
        var (loss, _) = Evaluate([1f, 1f], [0f, 0f], values: [1f, 2f], returns: [0f, 0f], entropy: [0.6f, 0.2f],
            valueCoefficient: 0.5, entropyCoefficient: 0.1);

        // policy 0; value = mean(1, 4) = 2.5; entropy = 0.4; total = 0 + 0.5*2.5 - 0.1*0.4 = 1.21
        Assert.Equal(2.5, loss.ValueLoss, 1e-6);
        Assert.Equal(0.4, loss.Entropy, 1e-6);
        Assert.Equal(1.21, loss.Total.item<float>(), 1e-6);
    }

    [Fact]
    public void Value_clipping_keeps_the_larger_of_the_clipped_and_unclipped_errors()
    {
        // V_old = 0, clip 0.5. V = 2, R = 0: clipped V = 0.5 -> max(4, 0.25) = 4.
        //                      V = 2, R = 3: clipped V = 0.5 -> max(1, 6.25) = 6.25.  mean = 5.125
        var (loss, _) = Evaluate([1f, 1f], [0f, 0f], values: [2f, 2f], returns: [0f, 3f], valueCoefficient: 1, valueClip: 0.5);
        Assert.Equal(5.125, loss.ValueLoss, 1e-6);
    }

    [Fact]
    public void Normalised_advantages_make_the_unclipped_policy_loss_zero_at_ratio_one()
    {
        // At r = 1 the loss is -mean(A'), and normalised advantages have mean 0.
        var (plain, _) = Evaluate([1f, 1f, 1f], [1f, 2f, 6f]);
        var (normalised, _) = Evaluate([1f, 1f, 1f], [1f, 2f, 6f], normalize: true);
        Assert.Equal(-3.0, plain.PolicyLoss, 1e-6);
        Assert.Equal(0.0, normalised.PolicyLoss, 1e-6);
    }
}
