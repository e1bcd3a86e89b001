using System.Diagnostics;
using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Training.Core;
using Microsoft.Extensions.Logging;
using TorchSharp.Modules;

namespace DistGen.Grains.Runs;

/// <summary>
/// The coordinator's side of one run of a workload family: it owns the model(s) and the learner and drives the family's
/// member grains round by round. The skeleton is written here once: start (build on the job's device, resume from the
/// run folder's checkpoint, publish the first parameters), checkpoint, finish and release. A family supplies what
/// differs: how it builds and resumes its learner, what it publishes, one round, and its member grains. The
/// <see cref="Jobs.JobRunner"/> around it keeps the job's record, status, cancellation and takeover; a run only trains.
/// Calls come one at a time, on the coordinator's activation; learner work runs on the thread pool.
/// </summary>
public abstract class CoordinatedRun(CoordinatedRunContext context) : IDisposable
{
    private readonly Stopwatch _clock = new();

    protected CoordinatedRunContext Context => context;

    protected string JobId => context.JobId;

    /// <summary>Time since the run started in this activation: the denominator of its throughput figures.</summary>
    protected TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>
    /// Builds the model(s) and the learner; when <paramref name="resume"/> is set, continues from the run folder's
    /// checkpoint. Returns the rounds already completed (0 for a fresh start or when there is no checkpoint).
    /// </summary>
    public async Task<long> StartAsync(bool resume)
    {
        long completed = await Task.Run(() =>
        {
            Build();
            return resume ? Resume() : 0L;
        });
        // Tensors an earlier activation left in this silo's store are of no use to this run.
        if (resume) context.Exchange.ReleaseJob(JobId);
        PublishStart(completed);
        _clock.Start();
        return completed;
    }

    /// <summary>Runs round <paramref name="round"/> to its end (optimizer steps applied, its version published).</summary>
    public abstract Task<RoundReport> RunRoundAsync(long round, CancellationToken cancellation);

    /// <summary>Writes checkpoint.bin for the last completed round <paramref name="round"/>.</summary>
    public Task CheckpointAsync(long round) => Task.Run(() => SaveCheckpoint(round));

    /// <summary>Writes the final artifacts (plots, samples, checkpoint, summary.json).</summary>
    public Task<TrainingSummary> FinishAsync(double wallSeconds) => Task.Run(() => Finish(wallSeconds));

    /// <summary>Lets the job's member grains and its tensors in this silo's store go once the job has ended.</summary>
    public async Task ReleaseMembersAsync()
    {
        await SettleAsync();
        context.Exchange.ReleaseJob(JobId);
        try
        {
            await Task.WhenAll(Members().Select(m => m.Release()));
        }
        catch (Exception e)
        {
            context.Logger.LogWarning(e, "job {Job}: could not release every member grain", JobId);
        }
    }

    public abstract void Dispose();

    /// <summary>Builds the model(s) on the job's device (<see cref="RunContext.Device"/>) and the learner.</summary>
    protected abstract void Build();

    /// <summary>Continues from the run folder's checkpoint; returns its round, 0 without one.</summary>
    protected abstract long Resume();

    /// <summary>Publishes what the members need for the first round after <paramref name="completed"/>.</summary>
    protected abstract void PublishStart(long completed);

    protected abstract void SaveCheckpoint(long round);

    protected abstract TrainingSummary Finish(double wallSeconds);

    /// <summary>Every member grain of the job.</summary>
    protected abstract IEnumerable<IJobMemberGrain> Members();

    /// <summary>Waits for what members still do for the run before its tensors go (PPO's orders in flight).</summary>
    protected virtual Task SettleAsync() => Task.CompletedTask;

    /// <summary>Puts a network's parameters in this silo's store under <paramref name="key"/>, for the members to pull.</summary>
    protected void Publish(TensorKey key, IEnumerable<Parameter> parameters)
    {
        var list = parameters.ToList();
        context.Exchange.PutLocal(key, new TensorPayload([ParameterVector.Count(list)], ParameterVector.Flatten(list)));
    }
}

/// <summary>What a round reports to the job's status: its metrics (NaN where not measured this round) and where it ran.</summary>
public sealed record RoundReport(IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<string> WorkerSilos);
