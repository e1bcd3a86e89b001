using DistGen.Training.Language;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Language;

public sealed class LossTests
{
    [Fact]
    public void Language_model_loss_matches_manual_log_softmax_cross_entropy()
    {
        // logits [B=1, T=2, V=3]
        var z = new[] { new[] { 2.0, 0.5, -1.0 }, new[] { -0.3, 0.1, 1.7 } };
        var y = new long[] { 1, 2 };
        double expected = 0;
        for (int n = 0; n < 2; n++) expected -= z[n][y[n]] - Math.Log(z[n].Sum(Math.Exp));
        expected /= 2;

        var loss = LanguageModelLoss.Compute(
            tensor(z.SelectMany(r => r).Select(v => (float)v).ToArray(), [1, 2, 3]),
            tensor(y, [1, 2])).item<float>();

        Assert.Equal(expected, loss, 5);
    }

    [Fact]
    public void Bradley_terry_loss_is_mean_negative_log_sigmoid_of_the_reward_margin()
    {
        var chosen = new[] { 1.0f, -0.5f, 2.0f };
        var rejected = new[] { 0.0f, 0.5f, 2.5f };
        double expected = chosen.Zip(rejected, (c, r) => Math.Log(1 + Math.Exp(-(c - r)))).Average();

        var loss = BradleyTerryLoss.Compute(tensor(chosen), tensor(rejected)).item<float>();

        Assert.Equal(expected, loss, 5);
        Assert.Equal(1.0 / 3, BradleyTerryLoss.Accuracy(tensor(chosen), tensor(rejected)), 12);
    }

    [Fact]
    public void Bradley_terry_gradient_raises_the_chosen_reward_and_lowers_the_rejected()
    {
        var chosen = tensor(new[] { 1.0f, -0.5f, 2.0f }, requires_grad: true);
        var rejected = tensor(new[] { 0.0f, 0.5f, 2.5f }, requires_grad: true);

        BradleyTerryLoss.Compute(chosen, rejected).backward();

        var gradChosen = chosen.grad!.data<float>().ToArray();
        var gradRejected = rejected.grad!.data<float>().ToArray();
        double[] margins = [1.0, -1.0, -0.5];
        for (int b = 0; b < 3; b++)
        {
            // dL/dr_chosen = -(1 - σ(m)) / B, dL/dr_rejected = +(1 - σ(m)) / B
            double expected = (1 - 1 / (1 + Math.Exp(-margins[b]))) / 3;
            Assert.True(gradChosen[b] < 0);
            Assert.Equal(-expected, gradChosen[b], 5);
            Assert.Equal(expected, gradRejected[b], 5);
        }
    }

    [Fact]
    public void Bradley_terry_loss_stays_finite_for_a_huge_wrong_margin()
    {
        var loss = BradleyTerryLoss.Compute(tensor(new[] { -200f }), tensor(new[] { 200f })).item<float>();

        Assert.Equal(400.0, loss, 3);
    }
}
