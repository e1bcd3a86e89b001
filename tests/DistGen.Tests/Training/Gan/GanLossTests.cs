using DistGen.Training.Gan;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Gan;

public sealed class GanLossTests
{
    private static double Softplus(double x) => Math.Log(1 + Math.Exp(x));

    [Fact]
    public void Discriminator_loss_is_minus_log_d_real_minus_log_one_minus_d_fake()
    {
        var real = tensor(new float[] { 2f, -1f });
        var fake = tensor(new float[] { 0.5f, -3f });
        double sigmoid(double l) => 1 / (1 + Math.Exp(-l));
        double expected = -(Math.Log(sigmoid(2)) + Math.Log(sigmoid(-1))) / 2 - (Math.Log(1 - sigmoid(0.5)) + Math.Log(1 - sigmoid(-3))) / 2;
        Assert.Equal(expected, GanLoss.Discriminator(real, fake).item<float>(), 5);
    }

    [Fact]
    public void Generator_losses_match_their_formulas()
    {
        var fake = tensor(new float[] { 1.5f, -2f });
        // minimax: mean log(1 - sigmoid(l)) = -mean softplus(l); non-saturating: -mean log sigmoid(l) = mean softplus(-l)
        Assert.Equal(-(Softplus(1.5) + Softplus(-2)) / 2, GanLoss.Generator(fake, GeneratorLossKind.Minimax).item<float>(), 5);
        Assert.Equal((Softplus(-1.5) + Softplus(2)) / 2, GanLoss.Generator(fake, GeneratorLossKind.NonSaturating).item<float>(), 5);
    }

    [Fact]
    public void Non_saturating_loss_keeps_a_strong_gradient_where_minimax_saturates()
    {
        // D confidently rejects the fake (logit -8): minimax gradient ~ sigmoid(-8), non-saturating ~ 1.
        var minimax = tensor(new float[] { -8f }, requires_grad: true);
        GanLoss.Generator(minimax, GeneratorLossKind.Minimax).backward();
        var nonSaturating = tensor(new float[] { -8f }, requires_grad: true);
        GanLoss.Generator(nonSaturating, GeneratorLossKind.NonSaturating).backward();
        Assert.True(Math.Abs(minimax.grad!.item<float>()) < 1e-3);
        Assert.True(Math.Abs(nonSaturating.grad!.item<float>()) > 0.99);
    }

    [Fact]
    public void R1_penalty_is_half_gamma_times_the_mean_squared_input_gradient_norm()
    {
        // l(x) = ‖x‖², so ∇ₓl = 2x and R1 = γ/2 · mean ‖2x‖² = 2γ · mean ‖x‖².
        var real = tensor(new float[] { 1f, 2f, -3f, 0.5f }, [2, 2]).requires_grad_(true);
        var logits = real.square().sum(1);
        double gamma = 0.3, meanSquaredNorm = ((1 + 4) + (9 + 0.25)) / 2.0;
        Assert.Equal(2 * gamma * meanSquaredNorm, GanLoss.R1Penalty(logits, real, gamma).item<float>(), 4);
    }
}
