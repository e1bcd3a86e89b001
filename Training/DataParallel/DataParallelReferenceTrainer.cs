using System.Diagnostics;
using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.DataParallel;

/// <summary>
/// The single-process reference for data-parallel workloads: each round concatenates the W shards' rows into one
/// global batch, computes its mean gradient in one pass and applies it. The cluster's coordinator runs the same rounds
/// with the gradient computed by W workers and averaged. With <paramref name="resume"/>, a run interrupted earlier in the
/// same folder continues from its checkpoint (the shards replay their order up to it).
/// </summary>
public sealed class DataParallelReferenceTrainer(IDataParallelWorkload workload, bool resume = false) : IReferenceTrainer
{
    public TrainingSummary Run(RunContext ctx)
    {
        var clock = Stopwatch.StartNew();
        var model = workload.CreateReplica();
        model.to(ctx.Device);
        using var learner = workload.CreateLearner(model, ctx);
        var shards = Enumerable.Range(0, workload.Workers).Select(workload.CreateShardOrder).ToArray();
        long resumed = resume ? learner.Resume() : 0;
        for (long skipped = 0; skipped < resumed; skipped++)
            foreach (var shard in shards) shard.Next();
        long rows = 0;
        for (long round = resumed + 1; round <= workload.Rounds; round++)
        {
            ctx.Cancellation.ThrowIfCancellationRequested();
            var globalBatch = shards.SelectMany(shard => shard.Next()).ToArray();
            var metrics = workload.ComputeGradients(model, round, rowOffset: 0, globalBatch);
            learner.Apply(round);
            rows += globalBatch.Length;
            learner.EndRound(round, metrics, rows / clock.Elapsed.TotalSeconds);
            if (workload.CheckpointEvery > 0 && round % workload.CheckpointEvery == 0) learner.SaveCheckpoint(round);
        }
        return learner.Finish(clock.Elapsed.TotalSeconds);
    }
}
