using DistGen.Training.Core;
using DistGen.Training.Data;
using DistGen.Training.Language;

namespace DistGen.Training.Rlhf;

/// <summary>
/// The optimizer side of one iteration's reward-model training, step by step: which comparison pairs each step trains
/// on (an epoch shuffle of every pair so far), and the AdamW step on the mean gradient left in the model (linear warm-up
/// over a tenth of the steps, cosine decay to a tenth, gradient norm clipped to 1). The gradient itself comes from
/// <see cref="RewardModelTraining.ComputeGradients"/>, for the whole batch in one process or for each actor's slice of it
/// on the cluster, where the slices' mean is the batch's mean.
/// </summary>
public sealed class RewardModelTrainer : IDisposable
{
    private readonly RewardModel _model;
    private readonly ComparisonData _data;
    private readonly EpochSampler _sampler;
    private readonly WarmupCosineSchedule _schedule;
    private readonly AdamOptimizer _optimizer;

    public RewardModelTrainer(RewardModel model, ComparisonData data, RlhfRewardModelOptions options, int actors, long seed)
    {
        if (data.PairCount < actors)
            throw new ArgumentException($"{data.PairCount} comparison pairs cannot be split over {actors} actors: label more prompts (comparisons.prompts) or use fewer workers");
        (_model, _data) = (model, data);
        // Equal slices: the mean of the actors' means is the batch's mean.
        BatchSize = Math.Min(options.BatchSize, data.PairCount) / actors * actors;
        _sampler = new EpochSampler(Enumerable.Range(0, data.PairCount).ToArray(), seed);
        _schedule = new WarmupCosineSchedule(options.LearningRate, Math.Max(1, options.Steps / 10), options.Steps);
        _optimizer = AdamWUpdate.Create(model, options.LearningRate, 0.9, 0.999, options.WeightDecay);
    }

    /// <summary>Pairs per step: the options' batch size, at most every pair, a multiple of the actors.</summary>
    public int BatchSize { get; }

    /// <summary>The next step's pairs, as (chosen, rejected) rows of the comparison sequences.</summary>
    public (int Chosen, int Rejected)[] NextPairs() => _sampler.Next(BatchSize).Select(_data.Pair).ToArray();

    /// <summary>Steps AdamW for 1-based step <paramref name="step"/> with the mean gradient already in the model.</summary>
    public void Apply(int step) => AdamWUpdate.Apply(_model, _optimizer, _schedule.At(step - 1), maxGradNorm: 1.0);

    public void Dispose() => _optimizer.Dispose();
}
