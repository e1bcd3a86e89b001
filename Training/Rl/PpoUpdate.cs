using DistGen.Training.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistGen.Training.Rl;

/// <summary>
/// PPO's learner: turns a rollout into K epochs of clipped-surrogate minibatch steps with Adam. The two halves of a
/// step are public and separate, so a distributed learner can average <see cref="ComputeGradients"/> from several
/// workers before one <see cref="ApplyGradients"/>; <see cref="Update"/> is both, in the single-process order.
/// </summary>
public sealed class PpoUpdate
{
    private readonly PpoTrainingOptions _options;

    public PpoUpdate(ActorCritic model, PpoTrainingOptions options, long seed)
    {
        options.Validate();
        _options = options;
        Model = model;
        Optimizer = AdamOptimizer.Adam(model.parameters(), options.LearningRate, epsilon: options.AdamEpsilon);
        MinibatchRandom = new SplitMix64(Seeding.Derive(seed, "minibatches"));
    }

    public ActorCritic Model { get; }

    public AdamOptimizer Optimizer { get; }

    /// <summary>The minibatch-order stream; save and restore its <see cref="SplitMix64.State"/> with a checkpoint.</summary>
    public SplitMix64 MinibatchRandom { get; }

    /// <summary>Updates applied so far: the version of the policy the learner now holds.</summary>
    public long Version { get; set; }

    /// <summary>Learning rate at a point of the run; <paramref name="progressRemaining"/> goes from 1 (start) towards 0 (end).</summary>
    public double LearningRateAt(double progressRemaining) =>
        _options.AnnealLearningRate ? _options.LearningRate * progressRemaining : _options.LearningRate;

    /// <summary>Clip range eps at a point of the run (see <see cref="LearningRateAt"/>).</summary>
    public double ClipAt(double progressRemaining) =>
        _options.AnnealClip ? _options.ClipCoefficient * progressRemaining : _options.ClipCoefficient;

    /// <summary>One learner update from a rollout: GAE, then K epochs over shuffled minibatches, one optimizer step each.</summary>
    public PpoUpdateMetrics Update(TrajectoryBatch batch, double progressRemaining)
    {
        double learningRate = LearningRateAt(progressRemaining);
        double clip = ClipAt(progressRemaining);
        var (advantages, returns) = GeneralizedAdvantage.Compute(batch, _options.Gamma, _options.GaeLambda);

        using var scope = NewDisposeScope();
        var device = Model.parameters().First().device;
        var rollout = PpoMinibatch.FromRollout(batch, advantages, returns, device);
        var order = Enumerable.Range(0, batch.Count).ToArray();
        var means = new SurrogateLossAverage();
        for (int epoch = 0; epoch < _options.Epochs; epoch++)
        {
            MinibatchRandom.Shuffle(order);
            for (int start = 0; start < order.Length; start += _options.MinibatchSize)
            {
                using var stepScope = NewDisposeScope();
                var indices = tensor(order.AsSpan(start, _options.MinibatchSize).ToArray().Select(i => (long)i).ToArray(), ScalarType.Int64).to(device);
                means.Add(ComputeGradients(rollout.Select(indices), clip));
                ApplyGradients(learningRate);
            }
        }
        Version++;
        return new PpoUpdateMetrics(means.PolicyLoss, means.ValueLoss, means.Entropy, means.ApproxKl, means.ClipFraction,
            ExplainedVariance(batch.Values, returns), learningRate, clip);
    }

    /// <summary>
    /// Zeroes the gradients, evaluates the clipped surrogate loss on a minibatch and backpropagates it, leaving the
    /// gradients in the model's parameters. The returned loss tensor belongs to the caller's dispose scope.
    /// </summary>
    public SurrogateLoss ComputeGradients(PpoMinibatch minibatch, double clip)
    {
        Optimizer.ZeroGrad();
        var current = Model.Evaluate(minibatch.Observations, minibatch.Actions);
        var loss = ClippedSurrogateLoss.Compute(current, minibatch.OldLogProbs, minibatch.OldValues, minibatch.Advantages, minibatch.Returns,
            clip, _options.ValueCoefficient, _options.EntropyCoefficient, _options.ValueClip, _options.NormalizeAdvantages);
        loss.Total.backward();
        return loss;
    }

    /// <summary>Clips the gradients' global L2 norm to MaxGradNorm and takes one Adam step at <paramref name="learningRate"/>.</summary>
    public void ApplyGradients(double learningRate)
    {
        if (_options.MaxGradNorm > 0) nn.utils.clip_grad_norm_(Model.parameters(), _options.MaxGradNorm);
        Optimizer.LearningRate = learningRate;
        Optimizer.Step();
    }

    /// <summary>1 - Var(R - V) / Var(R): how much of the return's variance the acting critic explained (NaN when Var(R) = 0).</summary>
    public static double ExplainedVariance(ReadOnlySpan<float> values, ReadOnlySpan<float> returns)
    {
        double meanR = 0, meanE = 0;
        for (int i = 0; i < returns.Length; i++) { meanR += returns[i]; meanE += returns[i] - values[i]; }
        meanR /= returns.Length;
        meanE /= returns.Length;
        double varR = 0, varE = 0;
        for (int i = 0; i < returns.Length; i++)
        {
            varR += Math.Pow(returns[i] - meanR, 2);
            varE += Math.Pow(returns[i] - values[i] - meanE, 2);
        }
        return varR == 0 ? double.NaN : 1 - varE / varR;
    }
}
