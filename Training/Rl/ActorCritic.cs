using DistGen.Training.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistGen.Training.Rl;

/// <summary>
/// A categorical policy and a state-value function as two separate tanh MLPs (no shared trunk), initialised as in
/// CleanRL's <c>ppo.py</c>: orthogonal weights with gain sqrt(2) in hidden layers, 0.01 on the policy head and 1 on the
/// value head, zero biases. <c>forward</c> returns the action logits.
/// </summary>
public sealed class ActorCritic : nn.Module<Tensor, Tensor>
{
    private readonly Sequential actor;
    private readonly Sequential critic;

    /// <summary>The parameters this network has, from its shape alone (Training/Core/LayerSizes.cs): the actor's and the critic's trunks.</summary>
    public static long ParameterCount(int observationSize, int actionCount, int hiddenSize = 64, int hiddenLayers = 2) => checked(
        LayerSizes.Mlp(observationSize, hiddenSize, hiddenLayers, actionCount) + LayerSizes.Mlp(observationSize, hiddenSize, hiddenLayers, 1));

    public ActorCritic(int observationSize, int actionCount, int hiddenSize = 64, int hiddenLayers = 2) : base(nameof(ActorCritic))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(observationSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(actionCount, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenLayers, 1);
        ObservationSize = observationSize;
        ActionCount = actionCount;
        actor = Trunk(observationSize, hiddenSize, hiddenLayers, actionCount, headGain: 0.01);
        critic = Trunk(observationSize, hiddenSize, hiddenLayers, 1, headGain: 1.0);
        RegisterComponents();
    }

    public int ObservationSize { get; }

    public int ActionCount { get; }

    /// <summary>Action logits [B, A] for observations [B, obs].</summary>
    public override Tensor forward(Tensor observations) => actor.forward(observations);

    /// <summary>V(s) as [B] for observations [B, obs].</summary>
    public Tensor Value(Tensor observations) => critic.forward(observations).squeeze(-1);

    /// <summary>log pi(a|s), entropy of pi(.|s) and V(s) for observations [B, obs] and int64 actions [B], with gradients.</summary>
    public PolicyEvaluation Evaluate(Tensor observations, Tensor actions)
    {
        var logProbs = forward(observations).log_softmax(-1);
        var logProb = logProbs.gather(-1, actions.unsqueeze(-1)).squeeze(-1);
        // H = -sum_a pi(a|s) log pi(a|s)
        var entropy = -(logProbs.exp() * logProbs).sum(-1);
        return new PolicyEvaluation(logProb, entropy, Value(observations));
    }

    /// <summary>
    /// Samples one action per observation (row-major [B, obs] floats) by inverting the categorical CDF with uniforms from
    /// <paramref name="random"/>, so a rollout is reproducible and checkpointable through one 64-bit state.
    /// </summary>
    public PolicyDecision Act(float[] observations, SplitMix64 random)
    {
        var (logProbs, values) = Infer(observations);
        int batch = values.Length;
        var actions = new int[batch];
        var chosenLogProbs = new float[batch];
        for (int i = 0; i < batch; i++)
        {
            var row = logProbs.AsSpan(i * ActionCount, ActionCount);
            int action = SampleCategorical(row, random.NextDouble());
            actions[i] = action;
            chosenLogProbs[i] = row[action];
        }
        return new PolicyDecision(actions, chosenLogProbs, values);
    }

    /// <summary>V(s) for row-major [B, obs] observations, without gradients (e.g. to bootstrap truncated episodes).</summary>
    public float[] Values(float[] observations)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return Value(ToInput(observations)).cpu().data<float>().ToArray();
    }

    private (float[] LogProbs, float[] Values) Infer(float[] observations)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = ToInput(observations);
        var logProbs = forward(input).log_softmax(-1).cpu().data<float>().ToArray();
        return (logProbs, Value(input).cpu().data<float>().ToArray());
    }

    private Tensor ToInput(float[] observations)
    {
        if (observations.Length % ObservationSize != 0)
            throw new ArgumentException($"{observations.Length} floats are not a whole number of {ObservationSize}-value observations", nameof(observations));
        var device = parameters().First().device;
        return tensor(observations, [observations.Length / ObservationSize, ObservationSize], ScalarType.Float32).to(device);
    }

    private static int SampleCategorical(ReadOnlySpan<float> logProbs, double uniform)
    {
        double cumulative = 0;
        for (int a = 0; a < logProbs.Length - 1; a++)
        {
            cumulative += Math.Exp(logProbs[a]);
            if (uniform < cumulative) return a;
        }
        return logProbs.Length - 1;
    }

    private static Sequential Trunk(int inputs, int hidden, int layers, int outputs, double headGain)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        int width = inputs;
        for (int i = 0; i < layers; i++)
        {
            modules.Add(($"linear{i}", OrthogonalLinear(width, hidden, Math.Sqrt(2))));
            modules.Add(($"tanh{i}", nn.Tanh()));
            width = hidden;
        }
        modules.Add(("head", OrthogonalLinear(width, outputs, headGain)));
        return nn.Sequential(modules);
    }

    private static Linear OrthogonalLinear(int inputs, int outputs, double gain)
    {
        var layer = nn.Linear(inputs, outputs);
        using var noGrad = no_grad();
        nn.init.orthogonal_(layer.weight, gain);
        nn.init.zeros_(layer.bias);
        return layer;
    }
}
