using System.Diagnostics;
using DistGen.Contracts.Rl;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Placement;
using DistGen.Grains.Runs;
using DistGen.Training.Rl;

namespace DistGen.Grains.Rl;

/// <summary>
/// A PPO rollout actor: E CartPole environments (its slice of the job's layout) and a replica of the policy. Actor i
/// is placed on silo (o + i) mod n (o fixed by the job), so a job's actors spread over the cluster (in a GPU job, on a silo with a free accelerator,
/// which it builds its replicas on). The rollout itself is the single-process
/// trainer's <see cref="RolloutCollector"/>, never a copy.
/// </summary>
[AcceleratorAwarePlacement]
public sealed class RolloutActorGrain(JobWorkloads workloads, ITensorExchange exchange, DataPlanePeers peers, ILocalSiloDetails silo)
    : JobMemberGrain<PpoWorkload>(workloads), IRolloutActorGrain
{
    protected override string Role => "actor";

    // Async actors often act with the version they already hold: the replica pulls only a new one.
    private readonly ParameterReplica<ActorCritic> _policy = new(exchange, peers, "policy");
    private RolloutCollector? _collector;

    public async Task<RolloutReport> Collect(RolloutOrder order)
    {
        await CountStepAsync();
        var workload = await WorkloadAsync();
        var (jobId, index) = (JobId, Index);
        var policy = await _policy.LoadAsync(order.CoordinatorSilo, TensorKey.ParametersOf(jobId, order.PolicyVersion), workload.CreatePolicy, (await DeviceAsync()).Device);

        // Synchronous on a pool thread: libtorch's dispose scopes and grad mode follow threads, not awaits.
        var clock = Stopwatch.StartNew();
        var (wire, endState) = await Task.Run(() =>
        {
            _collector ??= workload.CreateCollector(index);
            _collector.RestoreState(order.StartState);
            var batch = _collector.Collect(policy, workload.Training.RolloutSteps);
            return (TrajectoryWire.Encode(batch), _collector.SaveState());
        });
        double seconds = clock.Elapsed.TotalSeconds;

        await exchange.PushAsync(await peers.EndpointOf(order.CoordinatorSilo), TrajectoryKeys.Of(jobId, order.PolicyVersion, index, order.Ticket),
            new TensorPayload(wire.Shape, wire.Data));
        return new RolloutReport(order.Ticket, order.PolicyVersion, endState, silo.SiloAddress.ToString(), seconds);
    }

    protected override void Forget()
    {
        _policy.Dispose();
        _collector = null;
    }
}
