using DistGen.Contracts.Jobs;
using DistGen.Contracts.Rl;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Grains.Runs;
using DistGen.Training.Core;
using DistGen.Training.Rl;
using Microsoft.Extensions.Logging;

namespace DistGen.Grains.Rl;

/// <summary>
/// The coordinator's side of a PPO run: the learner (<see cref="PpoLearner"/>, shared with the single-process
/// trainer) and the A rollout actors' environment states. Round r publishes nothing new until it has A accepted
/// batches, then updates the policy to version r and publishes it. Sync mode orders every actor to collect with
/// version r-1 and waits for all (exact PPO); async mode keeps one order in flight per actor at all times, each with the
/// newest published version at the time it is issued, and takes the first A batches that lag at most maxPolicyLag
/// versions. A failed order is repeated by <see cref="RoundRepeat"/>, as every family's rounds are.
/// </summary>
public sealed class PpoRun(CoordinatedRunContext context, PpoWorkload workload) : CoordinatedRun(context)
{
    private readonly Dictionary<int, (long Version, Task<RolloutReport> Call)> _inFlight = [];
    private readonly RoundRepeat _repeat = new(context);
    private IReadOnlyDictionary<string, ulong>[] _states = [];
    private PpoLearner? _learner;
    private long _ticket;
    // The newest version in this silo's store: what an order may name (the learner's own may not be published yet).
    private long _published;

    private PpoLearner Learner => _learner ?? throw new InvalidOperationException("the run has not started");

    private int Actors => workload.Layout.Actors;

    protected override void Build()
    {
        _learner = workload.CreateLearner(Context.Run);
        _states = Enumerable.Range(0, Actors).Select(a => (IReadOnlyDictionary<string, ulong>)workload.CreateCollector(a).SaveState()).ToArray();
    }

    protected override long Resume()
    {
        var (round, states) = Learner.Resume();
        if (states is not null) _states = states.ToArray();
        return round;
    }

    protected override void PublishStart(long completed) => PublishPolicy();

    public override async Task<RoundReport> RunRoundAsync(long round, CancellationToken cancellation)
    {
        var silos = new SortedSet<string>(StringComparer.Ordinal);
        var batches = workload.Training.IsAsync ? await CollectAhead(silos, cancellation) : await CollectInStep(silos, cancellation);
        // The update never observes cancellation, so the policy is always that of a completed round.
        var row = await Task.Run(() => Learner.Update(round, batches));
        PublishPolicy();
        // Keep the parameters and batches any order still in flight may need.
        Context.Exchange.Retire(JobId, _inFlight.Values.Select(o => o.Version).Append(Learner.Version).Min());
        var metrics = new Dictionary<string, double>(row);
        for (int lag = 0; lag < Learner.LagHistogram.Count; lag++) metrics[$"policy_lag_{lag}_batches"] = Learner.LagHistogram[lag];
        return new RoundReport(metrics, silos.ToList());
    }

    protected override void SaveCheckpoint(long round) => Learner.SaveCheckpoint(round, _states);

    protected override TrainingSummary Finish(double wallSeconds) => Learner.Finish(wallSeconds, _states);

    // Async orders still in flight push their batches here: let them land before the job's tensors go.
    protected override async Task SettleAsync()
    {
        try
        {
            await Task.WhenAll(_inFlight.Values.Select(o => o.Call)).WaitAsync(Context.Rounds.Timeout);
        }
        catch (Exception e)
        {
            Context.Logger.LogInformation("job {Job}: an order in flight at the end did not complete: {Error}", JobId, e.GetBaseException().Message);
        }
        _inFlight.Clear();
    }

    protected override IEnumerable<IJobMemberGrain> Members() => Enumerable.Range(0, Actors).Select(ActorGrain);

    public override void Dispose() => _learner?.Dispose();

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

    /// <summary>
    /// Async: takes batches as they arrive until A are accepted, re-ordering each actor at once with the newest version.
    /// The learner judges a batch here, between updates, never while one runs; batches it refuses count against Rounds:Attempts.
    /// </summary>
    private async Task<List<TrajectoryBatch>> CollectAhead(SortedSet<string> silos, CancellationToken cancellation)
    {
        for (int a = 0; a < Actors; a++)
            if (!_inFlight.ContainsKey(a)) _inFlight[a] = (_published, OrderUntilDone(a, cancellation));
        var batches = new List<TrajectoryBatch>();
        int refused = 0;
        while (batches.Count < Actors)
        {
            var done = await Task.WhenAny(_inFlight.Values.Select(o => o.Call)).WaitAsync(cancellation);
            int actor = _inFlight.First(o => o.Value.Call == done).Key;
            // An order that failed here has used up its repeats: the round, and the job, fail with its reason.
            var report = await done;
            _states[actor] = report.EndState;
            silos.Add(report.Silo);
            TrajectoryBatch? batch = null;
            try
            {
                // The batch is read before the new order, whose Retire-protection it then no longer needs.
                batch = Receive(actor, report);
            }
            catch (Exception e) when (e is not OperationCanceledException && ++refused < Context.Rounds.Attempts)
            {
                Context.Logger.LogWarning("job {Job}: rollout actor {Actor}: {Error}; ordering again", JobId, actor, e.Message);
            }
            _inFlight[actor] = (_published, OrderUntilDone(actor, cancellation));
            if (batch is not null) batches.Add(batch);
        }
        return batches;
    }

    // Each attempt orders with the newest published version and the actor's current state.
    private Task<RolloutReport> OrderUntilDone(int actor, CancellationToken cancellation) =>
        _repeat.Run($"rollout actor {actor}'s order", token => Order(actor, _published).WaitAsync(token), abandon: () => { }, cancellation);

    /// <summary>Takes an actor's batch from this silo's store and has the learner judge it: the batch, or null when it was dropped as stale.</summary>
    /// <exception cref="InvalidTrajectoryException">The learner refused it (it counted the refusal).</exception>
    private TrajectoryBatch? Receive(int actor, RolloutReport report)
    {
        var key = TrajectoryKeys.Of(JobId, report.PolicyVersion, actor, report.Ticket);
        if (!Context.Exchange.TryTakeLocal(key, out var payload) || payload is null)
            throw new InvalidOperationException($"rollout actor {actor} reported order {report.Ticket} done but its batch {key} is not in the store");
        return Learner.ReceiveEncoded(payload.Shape, payload.Data, report.PolicyVersion);
    }

    private Task<RolloutReport> Order(int actor, long version) =>
        ActorGrain(actor).Collect(new RolloutOrder(++_ticket, version, Context.Silo, _states[actor]));

    private IRolloutActorGrain ActorGrain(int actor) => Context.Grains.GetGrain<IRolloutActorGrain>(JobIds.Member(JobId, actor));

    private void PublishPolicy()
    {
        Publish(TensorKey.ParametersOf(JobId, Learner.Version), Learner.Policy.parameters());
        _published = Learner.Version;
    }
}
