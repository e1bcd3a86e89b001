using DistGen.Training.Core;
using DistGen.Training.Language;
using Xunit.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Language;

public sealed class RewardModelTests(ITestOutputHelper log)
{
    private const int Length = 12;

    // Chosen sequences contain one 'x' (token 4) somewhere; rejected ones are plain "abcd" text (tokens 0..3).
    private static (Tensor Chosen, Tensor Rejected) Pairs(int count, SplitMix64 rng)
    {
        var chosen = new long[count * Length];
        var rejected = new long[count * Length];
        for (int i = 0; i < count * Length; i++)
        {
            chosen[i] = rng.NextInt(4);
            rejected[i] = rng.NextInt(4);
        }
        for (int b = 0; b < count; b++) chosen[b * Length + rng.NextInt(Length)] = 4;
        return (tensor(chosen, [count, Length]), tensor(rejected, [count, Length]));
    }

    [Fact]
    public void Reward_model_learns_to_prefer_sequences_containing_a_feature()
    {
        Seeding.Seed(4);
        var trunk = new CharTransformer(new CharLmModelOptions { VocabularySize = 5, ContextLength = Length, ModelDimension = 32, Heads = 2, Layers = 2 });
        using var model = new RewardModel(trunk);
        using var optimizer = AdamWUpdate.Create(model, 3e-3, 0.9, 0.99, 0.0);
        var rng = new SplitMix64(4);
        var (testChosen, testRejected) = Pairs(256, new SplitMix64(99));
        double before = RewardModelStep.Evaluate(model, testChosen, testRejected).Accuracy;

        for (int step = 0; step < 150; step++)
        {
            using var scope = NewDisposeScope();
            var (chosen, rejected) = Pairs(32, rng);
            RewardModelStep.ComputeGradients(model, chosen, rejected);
            AdamWUpdate.Apply(model, optimizer, 3e-3, maxGradNorm: 1.0);
        }
        var (loss, accuracy) = RewardModelStep.Evaluate(model, testChosen, testRejected);
        log.WriteLine($"reward model accuracy {before:F3} -> {accuracy:F3}, loss {loss:F4}");

        Assert.True(accuracy > 0.9, $"held-out accuracy {accuracy:F3} (before training {before:F3}), loss {loss:F3}");
        Assert.True(loss < Math.Log(2), $"loss {loss:F3} not below chance ln 2");
    }

    [Fact]
    public void Reward_of_padded_sequences_reads_the_last_real_token()
    {
        Seeding.Seed(8);
        var trunk = new CharTransformer(new CharLmModelOptions { VocabularySize = 6, ContextLength = 6, ModelDimension = 16, Heads = 2, Layers = 1 });
        using var model = new RewardModel(trunk);
        model.eval();
        using var noGrad = no_grad();

        var unpadded = model.forward(tensor(new long[] { 1, 2, 3 }, [1, 3])).item<float>();
        var padded = model.forward(tensor(new long[] { 1, 2, 3, 0, 0, 0 }, [1, 6]), tensor(new long[] { 3 })).item<float>();

        Assert.Equal(unpadded, padded, 5);
        Assert.Same(trunk, model.Trunk);
    }
}
