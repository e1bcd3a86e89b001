using System.Diagnostics;
using DistGen.Training.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Rl;

/// <summary>
/// The learner of a PPO run, the same for the single-process trainer and the cluster's coordinator: it judges each
/// received trajectory batch (refuses malformed ones, drops ones whose policy lags too far), turns a round's batches
/// into one <see cref="PpoUpdate.Update"/>, and keeps the run's records: metrics.csv, returns.png, loss.png,
/// checkpoint.bin (policy, Adam, minibatch stream, actors' environment states) and summary.json.
/// </summary>
public sealed class PpoLearner : IDisposable
{
    private const int ReturnWindow = 100;
    private readonly PpoWorkload _workload;
    private readonly RunContext _ctx;
    private readonly PpoUpdate _update;
    private readonly LearnerCheckpoint _checkpoint;
    private readonly MetricsLog _metrics;
    private readonly Queue<double> _recentReturns = new();
    private readonly long[] _lagCounts;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _envStepsAtStart;
    private long _episodes, _dropped, _refused;
    private long? _envStepsToTarget;

    public PpoLearner(PpoWorkload workload, RunContext ctx)
    {
        (_workload, _ctx) = (workload, ctx);
        Directory.CreateDirectory(ctx.OutputDirectory);
        Policy = workload.CreatePolicy();
        Policy.to(ctx.Device);
        _update = new PpoUpdate(Policy, workload.Training, workload.Seed);
        _metrics = new MetricsLog(ctx);
        _checkpoint = new LearnerCheckpoint(ctx, _metrics, new Dictionary<string, nn.Module> { ["policy"] = Policy },
            new Dictionary<string, AdamOptimizer> { ["adam"] = _update.Optimizer });
        _lagCounts = new long[workload.Training.AcceptedLag + 1];
    }

    public ActorCritic Policy { get; }

    /// <summary>The policy version the learner holds: updates applied so far.</summary>
    public long Version => _update.Version;

    /// <summary>Environment steps of every batch received and not refused (trained on or dropped as stale).</summary>
    public long EnvSteps { get; private set; }

    /// <summary>Mean undiscounted return of the last 100 finished episodes (0 before the first).</summary>
    public double MeanReturn => _recentReturns.Count == 0 ? 0 : _recentReturns.Average();

    /// <summary>Consumed batches by policy lag (learner version minus the acting version), 0..accepted lag.</summary>
    public IReadOnlyList<long> LagHistogram => _lagCounts;

    /// <summary>
    /// Reads a batch off the wire (<see cref="TrajectoryWire"/>) and judges it as <see cref="Receive(TrajectoryBatch)"/>
    /// does: returns it when it may be trained on, null when it was dropped as stale.
    /// </summary>
    public TrajectoryBatch? ReceiveEncoded(long[] shape, float[] data, long policyVersion)
    {
        TrajectoryBatch batch;
        try
        {
            batch = TrajectoryWire.Decode(shape, data, _workload.Training.RolloutSteps, _workload.Layout.EnvsPerActor, policyVersion);
        }
        catch (InvalidTrajectoryException)
        {
            _refused++;
            throw;
        }
        return Receive(batch) ? batch : null;
    }

    /// <summary>
    /// True when the batch may be trained on this round. False when its policy is more than the accepted lag behind
    /// (0 in sync mode): it is dropped and counted, its episodes still count. Throws <see cref="InvalidTrajectoryException"/>
    /// (and counts it) for a batch of the wrong shape, with non-finite values or of a version never published.
    /// </summary>
    public bool Receive(TrajectoryBatch batch)
    {
        try
        {
            Validate(batch);
        }
        catch (InvalidTrajectoryException)
        {
            _refused++;
            throw;
        }
        if (Version - batch.PolicyVersion <= _workload.Training.AcceptedLag) return true;
        _dropped++;
        Observe(batch);
        return false;
    }

    /// <summary>
    /// Round <paramref name="round"/>: trains on the accepted <paramref name="batches"/> side by side in the given order
    /// (K epochs of clipped-surrogate minibatch steps), which makes policy version <paramref name="round"/>; logs a metrics row.
    /// </summary>
    public IReadOnlyDictionary<string, double> Update(long round, IReadOnlyList<TrajectoryBatch> batches)
    {
        var training = _workload.Training;
        double lagSum = 0;
        foreach (var batch in batches)
        {
            long lag = Version - batch.PolicyVersion;
            if (lag < 0 || lag > training.AcceptedLag) throw new ArgumentException($"a batch of policy version {batch.PolicyVersion} cannot train version {Version}; pass it to Receive first");
            _lagCounts[lag]++;
            lagSum += lag;
            Observe(batch);
        }
        // Linear decay as in CleanRL: the first update runs at full rate, the last at 1/updates of it.
        double progressRemaining = 1.0 - (round - 1.0) / _workload.Rounds;
        var result = _update.Update(TrajectoryAssembly.SideBySide(batches), progressRemaining);
        var row = new Dictionary<string, double>
        {
            ["env_steps"] = EnvSteps,
            ["mean_return_last_100"] = MeanReturn,
            ["episodes"] = _episodes,
            ["approx_kl"] = result.ApproxKl,
            ["clip_fraction"] = result.ClipFraction,
            ["entropy"] = result.Entropy,
            ["value_loss"] = result.ValueLoss,
            ["explained_variance"] = result.ExplainedVariance,
            ["policy_loss"] = result.PolicyLoss,
            ["learning_rate"] = result.LearningRate,
            ["env_steps_per_s"] = (EnvSteps - _envStepsAtStart) / _clock.Elapsed.TotalSeconds,
            ["policy_lag_mean"] = lagSum / batches.Count,
            ["dropped_stale_batches"] = _dropped,
            ["refused_batches"] = _refused,
        };
        _metrics.Log(round, row);
        int reportEvery = Math.Max(1, _workload.Rounds / 100);
        if (round % reportEvery == 0 || round == _workload.Rounds) _ctx.Progress?.Report(new TrainingProgress(round, _workload.Rounds, row));
        return row;
    }

    /// <summary>Writes checkpoint.bin: the learner after round <paramref name="round"/> and where each actor's environments stand.</summary>
    public void SaveCheckpoint(long round, IReadOnlyList<IReadOnlyDictionary<string, ulong>> actorStates) =>
        _checkpoint.Save(round, PpoRecords.Save(this, actorStates));

    /// <summary>
    /// Continues from checkpoint.bin in the run folder, if there is one: restores the policy, Adam, the minibatch stream
    /// and the records, keeps metrics.csv up to the checkpoint, and returns its round with the actors' states to
    /// continue from. Returns (0, null) when there is no checkpoint.
    /// </summary>
    public (long Round, IReadOnlyList<IReadOnlyDictionary<string, ulong>>? ActorStates) Resume()
    {
        if (_checkpoint.Resume() is not { } resumed) return (0, null);
        var records = PpoRecords.Load(resumed.Round, resumed.Counters, _workload.Layout.Actors, _lagCounts.Length);
        _update.Version = records.Round;
        _update.MinibatchRandom.State = records.MinibatchState;
        EnvSteps = _envStepsAtStart = records.EnvSteps;
        (_episodes, _dropped, _refused, _envStepsToTarget) = (records.Episodes, records.Dropped, records.Refused, records.EnvStepsToTarget);
        records.LagCounts.CopyTo(_lagCounts, 0);
        foreach (var r in records.RecentReturns) _recentReturns.Enqueue(r);
        _clock.Restart();
        return (records.Round, records.ActorStates);
    }

    /// <summary>Writes returns.png, loss.png, checkpoint.bin and summary.json.</summary>
    public TrainingSummary Finish(double wallSeconds, IReadOnlyList<IReadOnlyDictionary<string, ulong>> actorStates)
    {
        var envSteps = _metrics.Series("env_steps");
        _ctx.WriteArtifact("returns.png", path => LossPlot.Save(path, "PPO on CartPole-v1: mean return of the last 100 episodes vs env steps",
            envSteps, [("mean_return_last_100", _metrics.Series("mean_return_last_100"))], yLabel: "return", xLabel: "env steps"));
        _ctx.WriteArtifact("loss.png", path => LossPlot.Save(path, "PPO on CartPole-v1: losses per update vs env steps", envSteps,
            new[] { "policy_loss", "value_loss", "entropy", "approx_kl" }.Select(c => (c, _metrics.Series(c))), xLabel: "env steps"));
        var figures = new Dictionary<string, double>
        {
            ["mean_return_last_100"] = MeanReturn,
            ["env_steps"] = EnvSteps,
            ["episodes"] = _episodes,
            ["env_steps_per_second"] = EnvSteps / wallSeconds,
            ["dropped_stale_batches"] = _dropped,
            ["refused_batches"] = _refused,
        };
        for (int lag = 0; lag < _lagCounts.Length; lag++) figures[$"policy_lag_{lag}_batches"] = _lagCounts[lag];
        if (_envStepsToTarget is long reached) figures["env_steps_to_target_return"] = reached;
        return _checkpoint.Finish(Version, new TrainingSummary { Workload = _workload.Name, Steps = Version, WallSeconds = wallSeconds, Figures = figures },
            PpoRecords.Save(this, actorStates));
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _update.Optimizer.Dispose();
        Policy.Dispose();
    }

    internal long Episodes => _episodes;
    internal long Dropped => _dropped;
    internal long Refused => _refused;
    internal long? EnvStepsToTarget => _envStepsToTarget;
    internal IReadOnlyCollection<double> RecentReturns => _recentReturns;
    internal ulong MinibatchState => _update.MinibatchRandom.State;


    private void Observe(TrajectoryBatch batch)
    {
        EnvSteps += batch.Count;
        foreach (var episode in batch.FinishedEpisodes)
        {
            _episodes++;
            _recentReturns.Enqueue(episode.Return);
            if (_recentReturns.Count > ReturnWindow) _recentReturns.Dequeue();
        }
        if (_envStepsToTarget is null && _recentReturns.Count == ReturnWindow && MeanReturn >= _workload.Training.TargetReturn) _envStepsToTarget = EnvSteps;
    }

    private void Validate(TrajectoryBatch batch)
    {
        var (steps, envs) = (_workload.Training.RolloutSteps, _workload.Layout.EnvsPerActor);
        if (batch.Steps != steps || batch.Envs != envs || batch.ObservationSize != VectorCartPole.ObservationSize)
            throw new InvalidTrajectoryException(TrajectoryFault.InconsistentLengths,
                $"a batch of {batch.Steps} steps x {batch.Envs} environments x {batch.ObservationSize} observation values; this run's actors collect {steps} x {envs} x {VectorCartPole.ObservationSize}");
        if (batch.PolicyVersion < 0 || batch.PolicyVersion > Version)
            throw new InvalidTrajectoryException(TrajectoryFault.UnknownPolicyVersion,
                $"the batch claims policy version {batch.PolicyVersion}; the learner has published versions 0..{Version}");
        RequireFinite(batch.Rewards, "reward");
        RequireFinite(batch.Observations, "observation value");
        RequireFinite(batch.LogProbs, "log-probability");
        RequireFinite(batch.Values, "value");
        RequireFinite(batch.NextValues, "next value");
        if (batch.FinishedEpisodes.Any(e => !double.IsFinite(e.Return))) throw new InvalidTrajectoryException(TrajectoryFault.NonFiniteValues, "an episode return is not finite");
    }

    private static void RequireFinite(float[] values, string what)
    {
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0) throw new InvalidTrajectoryException(TrajectoryFault.NonFiniteValues, $"{what} {values[bad]} at index {bad}");
    }
}
