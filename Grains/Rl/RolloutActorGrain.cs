using DistGen.Grains.Runs;
using System.Diagnostics;
using DistGen.Contracts.Jobs;
using DistGen.Contracts.Rl;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Grains.Placement;
using DistGen.Training.Core;
using DistGen.Training.Rl;

namespace DistGen.Grains.Rl;

/// <summary>
/// A PPO rollout actor: E CartPole environments (its slice of the job's layout) and a replica of the policy. Actor i
/// is placed on silo i mod n, so a job's actors spread over the cluster. The rollout itself is the single-process
/// trainer's <see cref="RolloutCollector"/>, never a copy.
/// </summary>
[SpreadByIndexPlacement]
public sealed class RolloutActorGrain(JobWorkloads workloads, ITensorExchange exchange, DataPlanePeers peers, ILocalSiloDetails silo) : Grain, IRolloutActorGrain
{
    private JobWorkload? _job;
    private ActorCritic? _policy;
    private RolloutCollector? _collector;
    private long _policyVersion = -1;

    public async Task<RolloutReport> Collect(RolloutOrder order)
    {
        var (jobId, index) = JobIds.Parse(this.GetPrimaryKeyString());
        var job = _job ??= workloads.Get(jobId, await GrainFactory.GetGrain<IJobCoordinatorGrain>(jobId).GetSpec());
        var workload = job.WorkloadAs<PpoWorkload>();
        // Async actors often act with the version they already hold: pull only a new one.
        var parameters = order.PolicyVersion == _policyVersion ? null
            : await exchange.PullAsync(await peers.EndpointOf(order.CoordinatorSilo), TensorKey.ParametersOf(jobId, order.PolicyVersion));

        // Synchronous on a pool thread: libtorch's dispose scopes and grad mode follow threads, not awaits.
        var clock = Stopwatch.StartNew();
        var (wire, endState) = await Task.Run(() =>
        {
            _policy ??= workload.CreatePolicy();
            if (parameters is not null)
            {
                ParameterVector.Assign(_policy.parameters(), parameters.Data);
                _policyVersion = order.PolicyVersion;
            }
            _collector ??= workload.CreateCollector(index);
            _collector.RestoreState(order.StartState);
            var batch = _collector.Collect(_policy, workload.Training.RolloutSteps);
            return (TrajectoryWire.Encode(batch), _collector.SaveState());
        });
        double seconds = clock.Elapsed.TotalSeconds;

        await exchange.PushAsync(await peers.EndpointOf(order.CoordinatorSilo), TrajectoryKeys.Of(jobId, order.PolicyVersion, index, order.Ticket),
            new TensorPayload(wire.Shape, wire.Data));
        return new RolloutReport(order.Ticket, order.PolicyVersion, endState, silo.SiloAddress.ToString(), seconds);
    }

    public Task Release()
    {
        _policy?.Dispose();
        (_policy, _collector, _job, _policyVersion) = (null, null, null, -1);
        workloads.Release(JobIds.Parse(this.GetPrimaryKeyString()).JobId);
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
