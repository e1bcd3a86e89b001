using DistGen.Training.Core;

namespace DistGen.Training.Rl;

/// <summary>
/// Single-process PPO on CartPole-v1, the reference the distributed rollout actors and learner must reproduce: each
/// round, every rollout actor of the layout collects T steps from its E environments with the current policy (actor
/// by actor, in one process), then the learner runs GAE and K epochs of clipped-surrogate minibatch updates on their
/// batches side by side. Always synchronous. Writes metrics.csv, returns.png, loss.png, checkpoint.bin and summary.json.
/// </summary>
public sealed class PpoReferenceTrainer(PpoModelOptions model, PpoTrainingOptions training, int actors = 1) : IReferenceTrainer
{
    public TrainingSummary Run(RunContext ctx)
    {
        training.Validate();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var workload = new PpoWorkload(model, training, actors, ctx.Seed);
        using var learner = workload.CreateLearner(ctx);
        var collectors = Enumerable.Range(0, workload.Layout.Actors).Select(workload.CreateCollector).ToArray();
        for (int round = 1; round <= workload.Rounds && !ctx.Cancellation.IsCancellationRequested; round++)
        {
            var batches = new List<TrajectoryBatch>();
            foreach (var collector in collectors)
            {
                var batch = collector.Collect(learner.Policy, training.RolloutSteps);
                batch.PolicyVersion = learner.Version;
                if (learner.Receive(batch)) batches.Add(batch);
            }
            learner.Update(round, batches);
        }
        var summary = learner.Finish(clock.Elapsed.TotalSeconds, collectors.Select(c => (IReadOnlyDictionary<string, ulong>)c.SaveState()).ToList());
        // A cancelled run keeps what it wrote (a usable checkpoint and metrics) and then reports the cancellation.
        ctx.Cancellation.ThrowIfCancellationRequested();
        return summary;
    }
}
