using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Gan;

/// <summary>
/// The GAN update split at the fakes, so the generator and the discriminator can live in different actors:
/// the D step, the D side of the G step (dL_G/dFake) and the G side (backpropagate dL_G/dFake through G).
/// The reference trainer composes the same three functions; by the chain rule the result equals
/// backpropagating L_G through D into G in one graph.
/// </summary>
public static class GanSteps
{
    /// <summary>
    /// Accumulates dL_D/dθ_D into the discriminator's gradients, plus those of the R1 penalty when
    /// <paramref name="r1Gamma"/> is positive; returns L_D without the penalty.
    /// </summary>
    public static double DiscriminatorGradients(nn.Module<Tensor, Tensor> discriminator, Tensor real, Tensor fake, double r1Gamma = 0)
    {
        using var scope = NewDisposeScope();
        var realLeaf = r1Gamma > 0 ? real.detach().requires_grad_(true) : real;
        var realLogits = discriminator.forward(realLeaf);
        var loss = GanLoss.Discriminator(realLogits, discriminator.forward(fake.detach()));
        var total = r1Gamma > 0 ? loss.add(GanLoss.R1Penalty(realLogits, realLeaf, r1Gamma), Scalars.One) : loss;
        total.backward();
        return loss.item<float>();
    }

    /// <summary>
    /// The discriminator's half of the generator step: L_G and dL_G/dFake for the given fakes.
    /// The discriminator's parameter gradients are left untouched (only the fakes are differentiated).
    /// </summary>
    public static (double Loss, Tensor GradientWrtFakes) GeneratorLossGradient(
        nn.Module<Tensor, Tensor> discriminator, Tensor fakes, GeneratorLossKind kind)
    {
        using var scope = NewDisposeScope();
        var leaf = fakes.detach().requires_grad_(true);
        var loss = GanLoss.Generator(discriminator.forward(leaf), kind);
        var gradient = autograd.grad(new[] { loss }, new[] { leaf })[0];
        return (loss.item<float>(), gradient.detach().MoveToOuterDisposeScope());
    }

    /// <summary>The generator's half: dL_G/dθ_G = (dL_G/dFake)ᵀ · dFake/dθ_G, accumulated into G's gradients.</summary>
    public static void GeneratorBackward(Tensor fakesWithGraph, Tensor gradientWrtFakes) =>
        fakesWithGraph.backward(new[] { gradientWrtFakes });
}
