using static TorchSharp.torch;

namespace DistGen.Training.Core;

/// <summary>
/// What every learner keeps the same way in its run folder: checkpoint.bin with its networks and Adams by name and
/// its named counters (the round under <see cref="RoundCounter"/>), metrics.csv cut back to the round it resumes from,
/// and, at the end, the final checkpoint beside summary.json. Learners differ only in the counters they add, what they
/// restore from them, and the figures they report.
/// </summary>
public sealed class LearnerCheckpoint(RunContext run, MetricsLog metrics,
    IReadOnlyDictionary<string, nn.Module> modules, IReadOnlyDictionary<string, AdamOptimizer> optimizers)
{
    public const string RoundCounter = "step";

    /// <summary>Writes checkpoint.bin for the completed round <paramref name="round"/>, with the learner's own counters.</summary>
    public void Save(long round, IReadOnlyDictionary<string, ulong>? counters = null)
    {
        var all = counters is null ? new Dictionary<string, ulong>() : new Dictionary<string, ulong>(counters);
        all[RoundCounter] = (ulong)round;
        Checkpoint.Save(run, modules, optimizers, all);
    }

    /// <summary>
    /// Restores the networks and Adams from the run folder's latest good checkpoint and cuts metrics.csv back to its
    /// round; null when the folder has no checkpoint (a fresh start).
    /// </summary>
    public ResumedCheckpoint? Resume()
    {
        if (Checkpoint.Resume(run, modules, optimizers) is not { } counters) return null;
        if (!counters.TryGetValue(RoundCounter, out var round))
            throw new InvalidDataException($"{run.PathOf(Checkpoint.FileName)} has no '{RoundCounter}' counter; it was not written by a learner of this version");
        metrics.ContinueFrom((long)round);
        return new ResumedCheckpoint((long)round, counters);
    }

    /// <summary>Writes the run's last checkpoint (round <paramref name="round"/>) and then summary.json.</summary>
    public TrainingSummary Finish(long round, TrainingSummary summary, IReadOnlyDictionary<string, ulong>? counters = null)
    {
        Save(round, counters);
        run.WriteArtifact("summary.json", summary.Write);
        return summary;
    }
}

/// <summary>A checkpoint a learner continues from: its round and every counter it holds.</summary>
public sealed record ResumedCheckpoint(long Round, IReadOnlyDictionary<string, ulong> Counters);
