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

/// <summary>GAN losses on discriminator logits l (D(x) = sigmoid(l)), written with softplus for stability.</summary>
public static class GanLoss
{
    // L_D = -E[log D(x)] - E[log(1 - D(G(z)))] = E[softplus(-l_real)] + E[softplus(l_fake)]
    public static Tensor Discriminator(Tensor realLogits, Tensor fakeLogits) =>
        softplus(-realLogits).mean() + softplus(fakeLogits).mean();

    // minimax: L_G = E[log(1 - D(G(z)))] = -E[softplus(l_fake)];  non-saturating: L_G = -E[log D(G(z))] = E[softplus(-l_fake)]
    public static Tensor Generator(Tensor fakeLogits, GeneratorLossKind kind) => kind switch
    {
        GeneratorLossKind.Minimax => -softplus(fakeLogits).mean(),
        GeneratorLossKind.NonSaturating => softplus(-fakeLogits).mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static GeneratorLossKind ParseKind(string name) => name switch
    {
        "minimax" => GeneratorLossKind.Minimax,
        "non-saturating" => GeneratorLossKind.NonSaturating,
        _ => throw new ArgumentException($"generator loss '{name}' is unknown; allowed: minimax, non-saturating"),
    };
}
