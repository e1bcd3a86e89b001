using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistGen.Training.Gan;

/// <summary>The generator's objective.</summary>
public enum GeneratorLossKind
{
    /// <summary>Goodfellow's original minimax game: G minimises E[log(1 - D(G(z)))].</summary>
    Minimax,
    /// <summary>The non-saturating variant: G minimises -E[log D(G(z))], strong gradients early on.</summary>
    NonSaturating,
}

/// <summary>
/// GAN losses on discriminator logits l (D(x) = sigmoid(l)), written with log-sigmoid for stability:
/// log D = logsigmoid(l) and log(1 - D) = logsigmoid(-l). (Not TorchSharp's softplus, which makes temporary Scalars;
/// see <see cref="Core.Scalars"/>.)
/// </summary>
public static class GanLoss
{
    // L_D = -E[log D(x)] - E[log(1 - D(G(z)))] = -E[logsigmoid(l_real)] - E[logsigmoid(-l_fake)]
    public static Tensor Discriminator(Tensor realLogits, Tensor fakeLogits) =>
        -logsigmoid(realLogits).mean() - logsigmoid(-fakeLogits).mean();

    // minimax: L_G = E[log(1 - D(G(z)))] = E[logsigmoid(-l_fake)];  non-saturating: L_G = -E[log D(G(z))] = -E[logsigmoid(l_fake)]
    public static Tensor Generator(Tensor fakeLogits, GeneratorLossKind kind) => kind switch
    {
        GeneratorLossKind.Minimax => logsigmoid(-fakeLogits).mean(),
        GeneratorLossKind.NonSaturating => -logsigmoid(fakeLogits).mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// The R1 gradient penalty on real data (Mescheder et al. 2018), differentiable w.r.t. D's parameters:
    /// R1 = γ/2 · E_x[‖∇_x l(x)‖²], one expectation term per logit (a PacGAN pack is one input of D).
    /// <paramref name="real"/> must require grad and <paramref name="realLogits"/> must come from it.
    /// </summary>
    public static Tensor R1Penalty(Tensor realLogits, Tensor real, double gamma)
    {
        var gradient = autograd.grad(new[] { realLogits.sum() }, new[] { real }, retain_graph: true, create_graph: true)[0];
        using var weight = Scalars.Owned(gamma / 2 / realLogits.shape[0]);
        return gradient.pow(Scalars.Constant(2L)).sum().mul(weight);
    }

    public static GeneratorLossKind ParseKind(string name) => name switch
    {
        "minimax" => GeneratorLossKind.Minimax,
        "non-saturating" => GeneratorLossKind.NonSaturating,
        _ => throw new ArgumentException($"generator loss '{name}' is unknown; allowed: minimax, non-saturating"),
    };
}
