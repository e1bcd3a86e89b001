using DistGen.Training.Core;
using DistGen.Training.Language;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Core;

/// <summary>Our Adam/AdamW must be TorchSharp's, operation for operation: the same floats after every step.</summary>
public sealed class AdamOptimizerTests
{
    private static nn.Module<Tensor, Tensor> Network(long seed) =>
        Seeding.Build(seed, () => nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3)));

    // Both optimizers see the same gradients (computed on a shared copy), so any difference comes from the update.
    private static void StepBoth(nn.Module<Tensor, Tensor> ours, Action stepOurs, nn.Module<Tensor, Tensor> theirs, Action stepTheirs,
        int steps, Action<int>? beforeStep = null)
    {
        using var random = new Generator(3);
        for (int i = 0; i < steps; i++)
        {
            beforeStep?.Invoke(i);
            using var scope = NewDisposeScope();
            var x = randn(new long[] { 32, 6 }, generator: random);
            foreach (var module in new[] { ours, theirs })
            {
                module.zero_grad();
                module.forward(x).pow(Scalars.Constant(2L)).mean().backward();
            }
            stepOurs();
            stepTheirs();
            Assert.Equal(ParameterVector.Flatten(theirs.parameters()), ParameterVector.Flatten(ours.parameters()));
        }
    }

    [Fact]
    public void Adam_steps_equal_TorchSharps_Adam_bit_for_bit()
    {
        var (ours, theirs) = (Network(1), Network(1));
        using var adam = AdamOptimizer.Adam(ours.parameters(), 0.01, 0.5, 0.99, 1e-5);
        using var reference = optim.Adam(theirs.parameters(), 0.01, 0.5, 0.99, 1e-5);
        StepBoth(ours, adam.Step, theirs, () => reference.step(), 25, i =>
        {
            // A schedule changes the rate between steps, as the GAN and PPO learners do.
            adam.LearningRate = 0.01 * (1 - i / 25.0);
            foreach (var group in reference.ParamGroups) group.LearningRate = 0.01 * (1 - i / 25.0);
        });
    }

    [Fact]
    public void AdamW_with_decay_on_matrices_only_equals_TorchSharps_AdamW_bit_for_bit()
    {
        var (ours, theirs) = (Network(2), Network(2));
        using var adamW = AdamWUpdate.Create(ours, 3e-3, 0.9, 0.99, 0.1);
        var parameters = theirs.parameters().ToList();
        using var reference = optim.AdamW([
            new TorchSharp.Modules.AdamW.ParamGroup(parameters.Where(p => p.dim() >= 2), 3e-3, 0.9, 0.99, weight_decay: 0.1),
            new TorchSharp.Modules.AdamW.ParamGroup(parameters.Where(p => p.dim() < 2), 3e-3, 0.9, 0.99, weight_decay: 0)], 3e-3, 0.9, 0.99);
        StepBoth(ours, adamW.Step, theirs, () => reference.step(), 25);
    }

    [Fact]
    public void Saved_state_restores_the_moments_so_the_next_steps_are_identical()
    {
        var (first, second) = (Network(4), Network(4));
        using var adam = AdamOptimizer.Adam(first.parameters(), 0.01);
        using var restored = AdamOptimizer.Adam(second.parameters(), 0.01);
        StepBoth(first, adam.Step, second, () => { }, 0);
        using var random = new Generator(9);
        for (int i = 0; i < 3; i++)
        {
            using var scope = NewDisposeScope();
            adam.ZeroGrad();
            first.forward(randn(new long[] { 8, 6 }, generator: random)).sum().backward();
            adam.Step();
        }
        using (var buffer = new MemoryStream())
        {
            adam.Save(new BinaryWriter(buffer));
            buffer.Position = 0;
            restored.Load(new BinaryReader(buffer));
        }
        ParameterVector.Assign(second.parameters(), ParameterVector.Flatten(first.parameters()));

        StepBoth(first, adam.Step, second, restored.Step, 5);
    }
}
