using DistGen.Training.Core;
using DistGen.Training.Gan;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Gan;

public sealed class GanStepsTests
{
    [Theory]
    [InlineData(GeneratorLossKind.NonSaturating, false)]
    [InlineData(GeneratorLossKind.Minimax, false)]
    [InlineData(GeneratorLossKind.NonSaturating, true)]
    public void Generator_step_split_at_the_fakes_equals_backprop_through_one_graph(GeneratorLossKind kind, bool images)
    {
        var model = new GanModelOptions { LatentSize = 8, HiddenSize = 32, Layers = 2, Channels = 8 };
        var (g1, d1) = GanReferenceTrainer.BuildNetworks(model, images, seed: 5);
        var (g2, d2) = GanReferenceTrainer.BuildNetworks(model, images, seed: 5);
        Seeding.Seed(6);
        var z = randn(16, model.LatentSize);

        // One graph: L_G backpropagated through D into G.
        GanLoss.Generator(d1.forward(g1.forward(z)), kind).backward();
        var expected = ParameterVector.FlattenGradients(g1.parameters());

        // Split: D computes dL/dFake, G backpropagates it.
        var fakes = g2.forward(z);
        var (_, gradientWrtFakes) = GanSteps.GeneratorLossGradient(d2, fakes, kind);
        GanSteps.GeneratorBackward(fakes, gradientWrtFakes);
        var actual = ParameterVector.FlattenGradients(g2.parameters());

        Assert.Equal(expected.Length, actual.Length);
        // Same math, but libtorch may order float reductions differently between the two graphs.
        double scale = expected.Max(v => Math.Abs(v));
        double difference = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(difference <= 1e-5 * scale, $"max difference {difference} at gradient scale {scale}");
        Assert.Contains(actual, v => v != 0);
        // The discriminator's parameters were not touched by the generator step.
        Assert.All(d2.parameters(), p => Assert.True(p.grad is null || p.grad.abs().max().item<float>() == 0));
    }

    [Fact]
    public void Conv_generator_output_and_gradients_are_finite_and_independent_of_the_batch()
    {
        // Guards the normalisation choice: TorchSharp 0.107's GroupNorm returned garbage here; a batch-statistics
        // norm would make a sample depend on its batch-mates and break data-parallel equality.
        var (g, _) = GanReferenceTrainer.BuildNetworks(new GanModelOptions { LatentSize = 8, Channels = 8 }, true, seed: 2);
        Seeding.Seed(3);
        var z = randn(6, 8);
        var all = g.forward(z);
        var firstTwo = g.forward(z.narrow(0, 0, 2));
        Assert.True(all.narrow(0, 0, 2).allclose(firstTwo, rtol: 1e-5, atol: 1e-6));
        Assert.True(all.abs().max().item<float>() <= 1);
        all.pow(2).mean().backward();
        Assert.All(g.parameters(), p => Assert.True(float.IsFinite(p.grad!.abs().sum().item<float>())));
    }

    [Fact]
    public void Discriminator_gradients_do_not_flow_into_the_generator()
    {
        var (g, d) = GanReferenceTrainer.BuildNetworks(new GanModelOptions { LatentSize = 4, HiddenSize = 16, Layers = 2 }, false, seed: 1);
        var fake = g.forward(randn(8, 4));
        var loss = GanSteps.DiscriminatorGradients(d, randn(8, 2), fake);
        Assert.True(loss > 0);
        Assert.All(g.parameters(), p => Assert.Null(p.grad));
        Assert.Contains(d.parameters(), p => p.grad is not null && p.grad.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void R1_penalty_adds_gamma_times_w_to_a_linear_discriminators_weight_gradient()
    {
        // For l(x) = w·x + b the input gradient is w, so R1 = γ/2 ‖w‖² and dR1/dw = γ w, dR1/db = 0.
        Tensor[] Gradients(double gamma)
        {
            var discriminator = Seeding.Build(4, () => nn.Linear(2, 1));
            Seeding.Seed(9);
            GanSteps.DiscriminatorGradients(discriminator, randn(8, 2), randn(8, 2), gamma);
            return [discriminator.weight.grad!.clone(), discriminator.bias!.grad!.clone(), discriminator.weight.detach().clone()];
        }
        var plain = Gradients(0);
        var penalised = Gradients(0.5);
        var w = plain[2];
        Assert.True(torch.allclose(penalised[0] - plain[0], 0.5 * w, rtol: 1e-4, atol: 1e-6));
        Assert.True(torch.allclose(penalised[1], plain[1], rtol: 1e-5, atol: 1e-7));
    }

    [Fact]
    public void Image_networks_start_from_unit_layer_norms_and_repeat_with_the_seed()
    {
        var model = new GanModelOptions { LatentSize = 8, Channels = 8 };
        var (g1, _) = GanReferenceTrainer.BuildNetworks(model, images: true, seed: 2);
        var (g2, _) = GanReferenceTrainer.BuildNetworks(model, images: true, seed: 2);
        Assert.Equal(ParameterVector.Flatten(g1.parameters()), ParameterVector.Flatten(g2.parameters()));
        var norms = g1.modules().OfType<TorchSharp.Modules.LayerNorm>().ToList();
        Assert.Equal(2, norms.Count);
        Assert.All(norms, n => Assert.True(n.weight!.eq(1).all().item<bool>() && n.bias!.eq(0).all().item<bool>()));
    }
}
