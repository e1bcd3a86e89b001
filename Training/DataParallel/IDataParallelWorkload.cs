using DistGen.Training.Core;
using static TorchSharp.torch;

namespace DistGen.Training.DataParallel;

/// <summary>
/// A workload trained by synchronous data-parallel rounds (VAE, char-LM). Round r: every shard s of W yields its rows
/// (the item indices or window starts of its b rows); the global batch is the rows concatenated in shard order;
/// gradients are the mean over the global batch (one process computes it at once, W workers compute their rows and
/// the coordinator averages); the learner then steps the optimizer. The single-process reference trainer and the
/// grains both run exactly this, so a run with W workers equals the reference with batch W*b.
/// </summary>
public interface IDataParallelWorkload : IRoundWorkload
{
    /// <summary>b: rows of each worker's part of the global batch (W = <see cref="IRoundWorkload.Workers"/> shards and workers).</summary>
    int RowsPerWorker { get; }

    /// <summary>A replica of the model, seeded: identical in every process.</summary>
    nn.Module CreateReplica();

    /// <summary>The data order of shard <paramref name="shard"/>: one set of rows per round.</summary>
    IShardOrder CreateShardOrder(int shard);

    /// <summary>
    /// Zeroes the replica's gradients and leaves in them the mean gradient over the rows <paramref name="rows"/>,
    /// which sit at <paramref name="rowOffset"/> in round <paramref name="round"/>'s global batch (the offset selects
    /// per-row noise). Returns the rows' metrics (e.g. loss), averaged over the rows.
    /// </summary>
    IReadOnlyDictionary<string, double> ComputeGradients(nn.Module replica, long round, int rowOffset, int[] rows);

    /// <summary>The coordinator's side: optimizer, schedule, evaluation, metrics and artifacts of a run.</summary>
    IDataParallelLearner CreateLearner(nn.Module model, RunContext context);
}

/// <summary>A shard's data order: rows round after round, deterministic from the seed, checkpointable.</summary>
public interface IShardOrder
{
    int[] Next();
}

/// <summary>What owns the model between rounds: applies averaged gradients and keeps the run's records.</summary>
public interface IDataParallelLearner : IDisposable
{
    /// <summary>Steps the optimizer with the gradients already in the model (the global-batch mean).</summary>
    void Apply(long round);

    /// <summary>Logs, evaluates and reports after a round; <paramref name="rowMetrics"/> are the metrics of the round's rows.</summary>
    IReadOnlyDictionary<string, double> EndRound(long round, IReadOnlyDictionary<string, double> rowMetrics, double samplesPerSecond);

    /// <summary>Writes checkpoint.bin (model, optimizer, round) now; written atomically, so a crash never leaves half a file.</summary>
    void SaveCheckpoint(long round);

    /// <summary>
    /// Continues an interrupted run from checkpoint.bin in the run folder, if there is one: restores the model, the
    /// optimizer and the run's records up to the checkpoint's round and returns that round. Returns 0 when there is no
    /// checkpoint; the run then starts over, which reaches the same result because every round is deterministic.
    /// </summary>
    long Resume();

    /// <summary>Writes the final plots, samples, checkpoint and summary.json.</summary>
    TrainingSummary Finish(double wallSeconds);
}
