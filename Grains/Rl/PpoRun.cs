using DistGen.Contracts.Rl;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Training.Core;
using DistGen.Training.Rl;
using Microsoft.Extensions.Logging;

namespace DistGen.Grains.Rl;

/// <summary>
/// The coordinator's side of a PPO run: the learner (<see cref="PpoRunLearner"/>, shared with the single-process
/// trainer) and the A rollout actors' environment states. Round r publishes nothing new until it has A accepted
/// batches, then updates the policy to version r and publishes it. Sync mode orders every actor to collect with
/// version r-1 and waits for all (exact PPO); async mode keeps one order in flight per actor at all times, each with the
/// newest version at the time it is issued, and takes the first A batches that lag at most maxPolicyLag versions.
/// </summary>
public sealed class PpoRun(JobRunContext context) : ICoordinatedRun
{
    private readonly PpoRunWorkload _workload = (PpoRunWorkload)context.Workload;
    private readonly Dictionary<int, (long Version, Task<RolloutReport> Call)> _inFlight = [];
    private readonly RoundRepeat _repeat = new(context);
    private IReadOnlyDictionary<string, ulong>[] _states = [];
    private PpoRunLearner? _learner;
    private long _ticket;

    private PpoRunLearner Learner => _learner ?? throw new InvalidOperationException("the run has not started");

    private int Actors => _workload.Layout.Actors;

    public async Task<long> StartAsync(bool resume)
    {
        long completed = await Task.Run(() =>
        {
            _learner = _workload.CreateLearner(context.Run);
            var (round, states) = resume ? _learner.Resume() : (0, null);
            _states = states?.ToArray() ?? Enumerable.Range(0, Actors).Select(a => (IReadOnlyDictionary<string, ulong>)_workload.CreateCollector(a).SaveState()).ToArray();
            return round;
        });
        // Tensors an earlier activation left in this silo's store are of no use to this run.
        if (resume) context.Exchange.ReleaseJob(context.JobId);
        Publish();
        return completed;
    }

    public async Task<RoundReport> RunRoundAsync(long round, CancellationToken cancellation)
    {
        var silos = new SortedSet<string>(StringComparer.Ordinal);
        var batches = _workload.Training.IsAsync ? await CollectAhead(silos, cancellation) : await CollectInStep(silos, cancellation);
        // The update never observes cancellation, so the policy is always that of a completed round.
        var row = await Task.Run(() => Learner.Update(round, batches));
        Publish();
        // Keep the parameters and batches any order still in flight may need.
        context.Exchange.Retire(context.JobId, _inFlight.Values.Select(o => o.Version).Append(Learner.Version).Min());
        var metrics = new Dictionary<string, double>(row);
        for (int lag = 0; lag < Learner.LagHistogram.Count; lag++) metrics[$"policy_lag_{lag}_batches"] = Learner.LagHistogram[lag];
        return new RoundReport(metrics, silos.ToList());
    }

    public Task CheckpointAsync(long round) => Task.Run(() => Learner.SaveCheckpoint(round, _states));

    public Task<TrainingSummary> FinishAsync(double wallSeconds) => Task.Run(() => Learner.Finish(wallSeconds, _states));

    public async Task ReleaseWorkersAsync()
    {
        try
        {
            // Async orders still in flight push their batches here: let them land before the job's tensors go.
            await Task.WhenAll(_inFlight.Values.Select(o => o.Call)).WaitAsync(context.Rounds.Timeout);
        }
        catch (Exception e)
        {
            context.Logger.LogInformation("job {Job}: an order in flight at the end did not complete: {Error}", context.JobId, e.GetBaseException().Message);
        }
        _inFlight.Clear();
        context.Exchange.ReleaseJob(context.JobId);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Actors).Select(a => ActorGrain(a).Release()));
        }
        catch (Exception e)
        {
            context.Logger.LogWarning(e, "job {Job}: could not release every rollout actor", context.JobId);
        }
    }

    public void Dispose() => _learner?.Dispose();

    /// <summary>Sync: every actor collects with the learner's version; a failed or refused order is repeated from the same state.</summary>
    private async Task<List<TrajectoryBatch>> CollectInStep(SortedSet<string> silos, CancellationToken cancellation)
    {
        long version = Learner.Version;
        var results = await Task.WhenAll(Enumerable.Range(0, Actors).Select(a => CollectExactly(a, version, cancellation)));
        for (int a = 0; a < Actors; a++)
        {
            _states[a] = results[a].Report.EndState;
            silos.Add(results[a].Report.Silo);
        }
        return results.Select(r => r.Batch).ToList();
    }

    private Task<(RolloutReport Report, TrajectoryBatch Batch)> CollectExactly(int actor, long version, CancellationToken cancellation) =>
        _repeat.Run($"rollout actor {actor}'s order for version {version}", async token =>
        {
            var report = await Order(actor, version).WaitAsync(token);
            var batch = Receive(actor, report) ?? throw new InvalidOperationException($"a batch of the current version {version} was judged stale");
            return (report, batch);
        }, abandon: () => { }, cancellation);

    /// <summary>Async: takes batches as they arrive until A are accepted, re-ordering each actor at once with the newest version.</summary>
    private async Task<List<TrajectoryBatch>> CollectAhead(SortedSet<string> silos, CancellationToken cancellation)
    {
        for (int a = 0; a < Actors; a++)
            if (!_inFlight.ContainsKey(a)) _inFlight[a] = (Learner.Version, Order(a, Learner.Version));
        var batches = new List<TrajectoryBatch>();
        int failures = 0;
        var firstFailure = DateTimeOffset.MaxValue;
        while (batches.Count < Actors)
        {
            var done = await Task.WhenAny(_inFlight.Values.Select(o => o.Call)).WaitAsync(context.Rounds.Timeout, cancellation);
            int actor = _inFlight.First(o => o.Value.Call == done).Key;
            try
            {
                var report = await done;
                _states[actor] = report.EndState;
                silos.Add(report.Silo);
                // The batch is read before the new order, whose Retire-protection it then no longer needs.
                var batch = Receive(actor, report);
                _inFlight[actor] = (Learner.Version, Order(actor, Learner.Version));
                if (batch is not null) batches.Add(batch);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures++;
                if (firstFailure == DateTimeOffset.MaxValue) firstFailure = DateTimeOffset.UtcNow;
                // As RoundRepeat does: faults that pass with time are retried until the outage deadline, others a few times.
                bool transient = TransientFaults.IsTransient(e) && DateTimeOffset.UtcNow - firstFailure < context.Coordinator.OutageDeadline;
                if (failures >= context.Rounds.Attempts && !transient)
                    throw new InvalidOperationException($"rollout orders failed {failures} times in one round; last error: {e.GetBaseException().Message}", e);
                context.Logger.LogWarning("job {Job}: rollout actor {Actor}: {Error}; ordering again", context.JobId, actor, e.GetBaseException().Message);
                var wait = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, context.Rounds.RetryDelay.Ticks * failures));
                _inFlight[actor] = (Learner.Version, DelayedOrder(actor, Learner.Version, wait));
            }
        }
        return batches;
    }

    /// <summary>Takes an actor's batch from this silo's store and has the learner judge it: the batch, or null when it was dropped as stale.</summary>
    /// <exception cref="InvalidTrajectoryException">The learner refused it (it counted the refusal).</exception>
    private TrajectoryBatch? Receive(int actor, RolloutReport report)
    {
        var key = TrajectoryKeys.Of(context.JobId, report.PolicyVersion, actor, report.Ticket);
        if (!context.Exchange.TryTakeLocal(key, out var payload) || payload is null)
            throw new InvalidOperationException($"rollout actor {actor} reported order {report.Ticket} done but its batch {key} is not in the store");
        return Learner.ReceiveEncoded(payload.Shape, payload.Data, report.PolicyVersion);
    }

    private Task<RolloutReport> Order(int actor, long version) =>
        ActorGrain(actor).Collect(new RolloutOrder(++_ticket, version, context.Silo, _states[actor]));

    private async Task<RolloutReport> DelayedOrder(int actor, long version, TimeSpan delay)
    {
        await Task.Delay(delay);
        return await Order(actor, version);
    }

    private IRolloutActorGrain ActorGrain(int actor) => context.Grains.GetGrain<IRolloutActorGrain>(JobIds.Member(context.JobId, actor));

    private void Publish() =>
        context.Exchange.PutLocal(TensorKey.ParametersOf(context.JobId, Learner.Version),
            new TensorPayload([ParameterVector.Count(Learner.Policy.parameters())], ParameterVector.Flatten(Learner.Policy.parameters())));
}
