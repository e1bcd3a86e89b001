using DistGen.Training.Core;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistGen.Training.Vae;

/// <summary>The VAE objective in nats per example.</summary>
public static class NegativeElbo
{
    // -ELBO(x) = -E_q[log p(x|z)] + KL(q(z|x) || N(0, I)),  Bernoulli: -log p(x|z) = sum_i BCE(logit_i, x_i)
    public static (Tensor Loss, Tensor Reconstruction, Tensor Kl) PerExample(Tensor logits, Tensor x, Tensor mu, Tensor logVar)
    {
        var reconstruction = binary_cross_entropy_with_logits(logits, x, reduction: TorchSharp.torch.nn.Reduction.None).sum(1);
        var kl = GaussianKl(mu, logVar);
        return (reconstruction.add(kl, Scalars.One), reconstruction, kl);
    }

    // KL(N(mu, sigma^2) || N(0, 1)) = -1/2 * sum_j (1 + log sigma_j^2 - mu_j^2 - sigma_j^2), summed over latent dims
    public static Tensor GaussianKl(Tensor mu, Tensor logVar)
    {
        using var scope = NewDisposeScope();
        var inside = logVar.add(Scalars.Constant(1L), Scalars.One).sub(mu.pow(Scalars.Constant(2L))).sub(logVar.exp());
        return inside.sum(1).mul(Scalars.Constant(-0.5)).MoveToOuterDisposeScope();
    }
}
