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

    /// <summary>
    /// The mean Bradley-Terry gradient of <paramref name="pairs"/> (chosen and rejected rows of <paramref name="sequences"/>,
    /// [N, <paramref name="width"/>] row-major), left in the model; returns their loss and accuracy. What the reference
    /// trainer does for a whole batch and a rollout actor for its slice of it.
    /// </summary>
    public static (double Loss, double Accuracy) ComputeGradients(RewardModel model, IReadOnlyList<long> sequences, int width, IReadOnlyList<(int Chosen, int Rejected)> pairs)
    {
        using var scope = NewDisposeScope();
        var chosen = new long[pairs.Count * width];
        var rejected = new long[pairs.Count * width];
        for (int i = 0; i < pairs.Count; i++)
        {
            var (c, r) = pairs[i];
            if (c < 0 || r < 0 || (long)(Math.Max(c, r) + 1) * width > sequences.Count)
                throw new ArgumentOutOfRangeException(nameof(pairs), $"pair {i} ({c}, {r}) names a sequence beyond the {sequences.Count / width} compared");
            for (int t = 0; t < width; t++)
            {
                chosen[i * width + t] = sequences[c * width + t];
                rejected[i * width + t] = sequences[r * width + t];
            }
        }
        return RewardModelStep.ComputeGradients(model, tensor(chosen, [pairs.Count, width], ScalarType.Int64), tensor(rejected, [pairs.Count, width], ScalarType.Int64));
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
        SequenceBatches.ForEach(data.Sequences.ToArray(), data.SequenceLength, model.Trunk.Device, (start, _, tokens) =>
            model.forward(tokens).to(ScalarType.Float32).cpu().data<float>().ToArray().CopyTo(rewards, start));
        return rewards;
    }
}
