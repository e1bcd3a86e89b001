using DistGen.Training.Core;
using DistGen.Training.Rl;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Rl;

[Collection(SerialTorchCollection.Name)]
public sealed class ActorCriticTests
{
    private static ActorCritic Build(long seed)
    {
        Seeding.Seed(seed);
        return new ActorCritic(4, 2);
    }

    [Fact]
    public void Same_seed_builds_identical_weights()
    {
        var a = ParameterVector.Flatten(Build(5).parameters());
        var b = ParameterVector.Flatten(Build(5).parameters());
        var c = ParameterVector.Flatten(Build(6).parameters());
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Weights_are_orthogonal_with_cleanrl_gains_and_biases_are_zero()
    {
        using var scope = NewDisposeScope();
        var parameters = Build(1).named_parameters().ToDictionary(p => p.name, p => p.parameter);
        // actor: 4->64->64->2, critic: 4->64->64->1 (weights are [out, in]).
        AssertOrthogonal(parameters["actor.linear0.weight"], Math.Sqrt(2));
        AssertOrthogonal(parameters["actor.linear1.weight"], Math.Sqrt(2));
        AssertOrthogonal(parameters["actor.head.weight"], 0.01);
        AssertOrthogonal(parameters["critic.linear1.weight"], Math.Sqrt(2));
        AssertOrthogonal(parameters["critic.head.weight"], 1.0);
        Assert.All(parameters.Where(p => p.Key.EndsWith("bias")), p => Assert.Equal(0f, p.Value.abs().max().item<float>()));
        Assert.Equal(2 * (4 * 64 + 64 + 64 * 64 + 64) + 64 * 2 + 2 + 64 + 1, ParameterVector.Count(parameters.Values));
    }

    private static void AssertOrthogonal(Tensor weight, double gain)
    {
        // The smaller side is orthonormal up to the gain: W W^T = gain^2 I (wide) or W^T W = gain^2 I (tall).
        var w = weight.detach();
        var gram = w.shape[0] <= w.shape[1] ? w.matmul(w.t()) : w.t().matmul(w);
        var expected = eye(gram.shape[0]) * (gain * gain);
        Assert.True((gram - expected).abs().max().item<float>() < 1e-5 * Math.Max(1, gain * gain), $"weight of shape [{string.Join(", ", w.shape)}] is not orthogonal with gain {gain}");
    }

    [Fact]
    public void Evaluate_gives_the_log_probability_and_entropy_of_the_softmax_policy()
    {
        using var scope = NewDisposeScope();
        var model = Build(2);
        var observations = tensor(new float[] { 0.01f, -0.02f, 0.03f, 0.04f, 1f, 2f, -1f, 0.5f }, [2, 4]);
        var actions = tensor(new long[] { 1, 0 });

        var evaluation = model.Evaluate(observations, actions);

        var logits = model.forward(observations).detach().data<float>().ToArray();
        for (int i = 0; i < 2; i++)
        {
            double z0 = logits[2 * i], z1 = logits[2 * i + 1];
            double logSum = Math.Log(Math.Exp(z0) + Math.Exp(z1));
            double p0 = Math.Exp(z0 - logSum), p1 = Math.Exp(z1 - logSum);
            double chosen = (i == 0 ? z1 : z0) - logSum;
            Assert.Equal(chosen, evaluation.LogProb[i].item<float>(), 1e-5);
            Assert.Equal(-(p0 * Math.Log(p0) + p1 * Math.Log(p1)), evaluation.Entropy[i].item<float>(), 1e-5);
        }
        var values = model.Values(observations.data<float>().ToArray());
        for (int i = 0; i < 2; i++) Assert.Equal(values[i], evaluation.Value[i].item<float>(), 1e-6f);
    }

    [Fact]
    public void Act_is_reproducible_from_the_random_state_and_reports_the_chosen_log_probability()
    {
        var model = Build(3);
        var observations = Enumerable.Range(0, 64 * 4).Select(i => (float)Math.Sin(i)).ToArray();

        var first = model.Act(observations, new SplitMix64(11));
        var second = model.Act(observations, new SplitMix64(11));

        Assert.Equal(first.Actions, second.Actions);
        Assert.Contains(0, first.Actions);
        Assert.Contains(1, first.Actions);
        using var scope = NewDisposeScope();
        var evaluation = model.Evaluate(tensor(observations, [64, 4]), tensor(first.Actions.Select(a => (long)a).ToArray()));
        var logProbs = evaluation.LogProb.detach().data<float>().ToArray();
        var values = model.Values(observations);
        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(logProbs[i], first.LogProbs[i], 1e-6f);
            Assert.Equal(values[i], first.Values[i], 1e-6f);
        }
    }
}
