using System.Diagnostics;
using DistGen.Training.Core;
using DistGen.Training.Language;

namespace DistGen.Training.Rlhf;

/// <summary>
/// RLHF in one process, the reference the cluster must reproduce: start the policy (a char-LM checkpoint, or pretrain
/// one), then per iteration sample K completions of some training prompts, have them ranked (the synthetic labeler),
/// train a reward model on every comparison so far, and fine-tune the policy with PPO against it on a KL leash to the
/// starting policy; evaluate on held-out prompts after every iteration (the <see cref="RlhfLearner"/> does all of that
/// and keeps the records). Here the A actors' work runs one actor after the other, in the same slices as on the
/// cluster: sampling and rollouts actor by actor; a reward-model step's gradient over the whole batch at once. It runs PPO
/// in sync mode whatever <c>ppo.mode</c> says (async is the cluster's).
/// </summary>
public sealed class RlhfReferenceTrainer(RlhfWorkload workload) : IReferenceTrainer
{
    public const string Workload = RlhfWorkload.WorkloadName;

    /// <summary>Checks everything a run can be refused for before any work starts (<see cref="ArgumentException"/> naming the setting).</summary>
    public RlhfReferenceTrainer(CharLmModelOptions model, RlhfTrainingOptions training, ITokenStream tokens, string heldOutText, long seed, int workers = 1)
        : this(new RlhfWorkload(model, training, tokens, heldOutText, seed, workers))
    {
    }

    private readonly RlhfWorkload _workload = workload.Training.Labels.Labeler == "auto" ? workload
        : throw new ArgumentException("training.labels.labeler \"person\" needs a cluster job, which waits for `distgen label JOB-ID`: submit it with `distgen submit` " +
            "(or `distgen run` without --reference); `distgen run --reference` labels with \"auto\" only");

    public TrainingSummary Run(RunContext ctx)
    {
        var clock = Stopwatch.StartNew();
        using var learner = _workload.CreateLearner(ctx);
        learner.Start(_workload.Workers);
        int actors = _workload.Workers;
        for (long round = 1; round <= _workload.Rounds; round++)
        {
            ctx.Cancellation.ThrowIfCancellationRequested();
            var at = _workload.RoundOf(round);
            if (at.StartsIteration)
            {
                var draws = _workload.ComparisonDraws(at.Iteration);
                var completions = learner.Stages.Time("sampling", () => Enumerable.Range(0, actors)
                    .SelectMany(a => _workload.SampleComparisons(learner.Policy.Lm, ActorSlices.Slice(draws, actors, a))).ToList());
                learner.AcceptComparisons(at.Iteration, completions);
            }
            if (at.IsRewardModelStep)
            {
                var pairs = learner.NextRewardPairs();
                var (loss, accuracy) = learner.Stages.Time("reward_model", () =>
                    RewardModelTraining.ComputeGradients(learner.RewardModel, learner.Comparisons.Sequences, _workload.SequenceLength, pairs));
                learner.ApplyRewardStep(round, at, loss, accuracy);
                if (at.EndsRewardModel) learner.EndRewardModel();
            }
            else
            {
                var prompts = learner.NextPpoPrompts();
                long version = learner.PolicyVersion;
                var sampling = Stopwatch.StartNew();
                var rollouts = Enumerable.Range(0, actors).Select(a =>
                {
                    var (start, length) = ActorSlices.Of(prompts.Length, actors, a);
                    return _workload.Rollout(learner.Policy, learner.Reference, learner.RewardModel, _workload.PpoDraws(version, prompts[start..(start + length)], start), version);
                }).ToList();
                learner.Update(round, at, rollouts, sampling.Elapsed.TotalSeconds);
            }
            if (at.EndsIteration) learner.EndIteration(round, at.Iteration);
        }
        return learner.Finish(clock.Elapsed.TotalSeconds);
    }
}
