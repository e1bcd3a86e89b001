using DistGen.Training.Core;

namespace DistGen.Grains.Jobs;

/// <summary>
/// The coordinator's side of one run of a workload family (data-parallel, split GAN, PPO): it owns the model(s) and
/// optimizer(s) and drives the worker grains round by round. The coordinator grain around it keeps the job's record,
/// status, cancellation and takeover; a run only trains. Calls come one at a time, on the coordinator's activation.
/// </summary>
public interface ICoordinatedRun : IDisposable
{
    /// <summary>
    /// Builds the model(s) and the learner; when <paramref name="resume"/> is set, continues from the run folder's
    /// checkpoint. Returns the rounds already completed (0 for a fresh start or when there is no checkpoint).
    /// </summary>
    Task<long> StartAsync(bool resume);

    /// <summary>Runs round <paramref name="round"/> to its end (optimizer steps applied, its version published).</summary>
    Task<RoundReport> RunRoundAsync(long round, CancellationToken cancellation);

    /// <summary>Writes checkpoint.bin for the last completed round <paramref name="round"/>.</summary>
    Task CheckpointAsync(long round);

    /// <summary>Writes the final artifacts (plots, samples, checkpoint, summary.json).</summary>
    Task<TrainingSummary> FinishAsync(double wallSeconds);

    /// <summary>Lets the job's worker grains go once the job has ended.</summary>
    Task ReleaseWorkersAsync();
}

/// <summary>What a round reports to the job's status: its metrics (NaN where not measured this round) and where it ran.</summary>
public sealed record RoundReport(IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<string> WorkerSilos);
