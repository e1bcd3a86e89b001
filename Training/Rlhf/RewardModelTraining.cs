using DistGen.Training.Core;
using DistGen.Training.Data;
using DistGen.Training.Language;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Rlhf;

/// <summary>
/// The reward-model stage of an iteration: a <see cref="RewardModel"/> whose trunk starts as a copy of the policy's
/// language model, with a fresh scalar head, trained with the Bradley-Terry loss on every comparison so far (AdamW,
/// linear warm-up over a tenth of the steps, cosine decay to a tenth, gradient norm clipped to 1), then measured on
/// the iteration's held-out comparisons.
/// </summary>
public static class RewardModelTraining
{
    /// <summary>
    /// A reward model on a copy of <paramref name="policy"/>'s weights, its head seeded from <paramref name="seed"/>: the mean
    /// of the head over the completion's positions (after the prompt's <paramref name="promptLength"/> tokens), with
    /// <paramref name="dropout"/> in its trunk while it trains.
    /// </summary>
    public static RewardModel Create(CharTransformer policy, int promptLength, double dropout, long seed)
    {
        var model = Seeding.Build(seed, () => new RewardModel(new CharTransformer(policy.Options with { Dropout = dropout }), promptLength));
        model.to(policy.Device);
        ParameterVector.Assign(model.Trunk.parameters(), ParameterVector.Flatten(policy.parameters()));
        return model;
    }

    /// <summary>Trains <paramref name="model"/> for the options' steps; <paramref name="log"/> gets each step's loss and accuracy.</summary>
    public static void Train(RewardModel model, ComparisonData data, RlhfRewardModelOptions options, long seed, Action<int, double, double> log)
    {
        int batch = Math.Min(options.BatchSize, data.PairCount);
        var sampler = new EpochSampler(Enumerable.Range(0, data.PairCount).ToArray(), seed);
        var schedule = new WarmupCosineSchedule(options.LearningRate, Math.Max(1, options.Steps / 10), options.Steps);
        using var optimizer = AdamWUpdate.Create(model, options.LearningRate, 0.9, 0.999, options.WeightDecay);
        for (int step = 0; step < options.Steps; step++)
        {
            var (loss, accuracy) = ComputeGradients(model, data, sampler.Next(batch));
            AdamWUpdate.Apply(model, optimizer, schedule.At(step), maxGradNorm: 1.0);
            log(step + 1, loss, accuracy);
        }
    }

    /// <summary>The mean Bradley-Terry gradient of the pairs <paramref name="rows"/>, left in the model; returns their loss and accuracy.</summary>
    public static (double Loss, double Accuracy) ComputeGradients(RewardModel model, ComparisonData data, IReadOnlyList<int> rows)
    {
        using var scope = NewDisposeScope();
        var (chosen, rejected) = Tensors(data, rows);
        return RewardModelStep.ComputeGradients(model, chosen, rejected);
    }

    /// <summary>
    /// Accuracy on <paramref name="heldOut"/>: against the labels (the chosen completion gets the higher reward) and
    /// against the noise-free rule, over the pairs the rule does not tie (the one the rule scores higher gets the higher reward).
    /// </summary>
    public static (double Loss, double LabelAccuracy, double RuleAccuracy, int RulePairs) Evaluate(RewardModel model, ComparisonData heldOut)
    {
        var rewards = Rewards(model, heldOut);
        double loss = 0;
        int agreeLabels = 0, agreeRule = 0, rulePairs = 0;
        for (int i = 0; i < heldOut.PairCount; i++)
        {
            var (c, r) = heldOut.Pair(i);
            double margin = rewards[c] - rewards[r];
            // -log sigmoid(m) = softplus(-m), written so that exp never overflows
            loss += Math.Max(-margin, 0) + Math.Log(1 + Math.Exp(-Math.Abs(margin)));
            if (margin > 0) agreeLabels++;
            double ruleMargin = heldOut.RuleScore(c) - heldOut.RuleScore(r);
            if (ruleMargin == 0) continue;
            rulePairs++;
            if (Math.Sign(margin) == Math.Sign(ruleMargin)) agreeRule++;
        }
        int pairs = Math.Max(1, heldOut.PairCount);
        return (loss / pairs, (double)agreeLabels / pairs, rulePairs == 0 ? double.NaN : (double)agreeRule / rulePairs, rulePairs);
    }

    /// <summary>The reward of every sequence of <paramref name="data"/>, without gradients.</summary>
    public static float[] Rewards(RewardModel model, ComparisonData data)
    {
        var rewards = new float[data.SequenceCount];
        using var evaluation = EvaluationMode.Enter(model);
        using var noGrad = no_grad();
        int width = data.SequenceLength;
        var all = data.Sequences.ToArray();
        for (int start = 0; start < data.SequenceCount; start += CompletionSampler.BatchRows)
        {
            int rows = Math.Min(CompletionSampler.BatchRows, data.SequenceCount - start);
            using var scope = NewDisposeScope();
            var tokens = tensor(all.AsSpan(start * width, rows * width).ToArray(), [rows, width], ScalarType.Int64).to(model.Trunk.Device);
            model.forward(tokens).to(ScalarType.Float32).cpu().data<float>().ToArray().CopyTo(rewards, start);
        }
        return rewards;
    }

    private static (Tensor Chosen, Tensor Rejected) Tensors(ComparisonData data, IReadOnlyList<int> rows)
    {
        var (chosen, rejected) = data.Batch(rows);
        return (tensor(chosen, [rows.Count, data.SequenceLength], ScalarType.Int64), tensor(rejected, [rows.Count, data.SequenceLength], ScalarType.Int64));
    }
}
