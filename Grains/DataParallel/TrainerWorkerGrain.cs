using System.Diagnostics;
using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Grains.Placement;
using DistGen.Grains.Runs;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using static TorchSharp.torch;

namespace DistGen.Grains.DataParallel;

/// <summary>
/// A data-parallel worker (VAE, char-LM): pulls the round's parameters (one copy per silo), takes its shard's rows and
/// computes its rows' gradient with the workload's own step code. Alone in its gradient group, it pushes the gradient to
/// the coordinator's silo; otherwise it keeps it in its own silo's store, and the group's lead sums the group
/// (<see cref="SumGroup"/>) and pushes one tensor. Worker i is placed on silo (o + i) mod n (o fixed by the job), so a job's workers spread over
/// the cluster and a group of G = n is one silo's workers.
/// </summary>
[AcceleratorAwarePlacement]
public sealed class TrainerWorkerGrain(JobWorkloads workloads, ITensorExchange exchange, DataPlanePeers peers, ILocalSiloDetails silo)
    : JobMemberGrain<IDataParallelWorkload>(workloads), ITrainerWorkerGrain
{
    private readonly ParameterReplica<nn.Module> _replica = new(exchange, peers, "parameters");

    public async Task<WorkerStepResult> Step(WorkerStep step)
    {
        await CountStepAsync();
        var workload = await WorkloadAsync();
        var (jobId, index) = (JobId, Index);
        var model = await _replica.LoadAsync(step.CoordinatorSilo, TensorKey.ParametersOf(jobId, step.ParameterVersion), workload.CreateReplica, (await DeviceAsync()).Device);
        var rows = await GrainFactory.GetGrain<IDataShardGrain>(JobIds.Member(jobId, index)).RowsOf(step.Round);

        // The compute is synchronous on a pool thread: libtorch's dispose scopes and grad mode follow threads, not awaits.
        var clock = Stopwatch.StartNew();
        var (metrics, gradient) = await Task.Run(() =>
        {
            var rowMetrics = workload.ComputeGradients(model, step.Round, index * workload.RowsPerWorker, rows);
            return (rowMetrics, ParameterVector.FlattenGradients(model.parameters()));
        });
        double computeSeconds = clock.Elapsed.TotalSeconds;

        var key = TensorKey.GradientsOf(jobId, step.Round, JobIds.Member(jobId, index));
        var payload = new TensorPayload([gradient.Length], gradient);
        int groups = GradientGroups.Effective(step.GradientGroups, workload.Workers);
        if (GradientGroups.SizeOf(GradientGroups.GroupOf(index, groups), workload.Workers, groups) == 1)
            await exchange.PushAsync(await peers.EndpointOf(step.CoordinatorSilo), key, payload);
        else
        {
            // Kept for the group's lead. What an abandoned round left here goes with the versions before the last two.
            exchange.Retire(jobId, step.ParameterVersion);
            exchange.PutLocal(key, payload);
        }
        return new WorkerStepResult(metrics, silo.SiloAddress.ToString(), computeSeconds, silo.SiloAddress);
    }

    public async Task SumGroup(GroupSum order)
    {
        var workload = await WorkloadAsync();
        var jobId = JobId;
        string what = $"gradient group {order.Group} of round {order.Round}";
        if (order.Groups < 1 || order.Groups > workload.Workers || order.Group != Index || order.Group >= order.Groups)
            throw new ArgumentException($"{what}: worker {Index} of {workload.Workers} is not the lead of group {order.Group} of {order.Groups}");
        var expected = GradientGroups.MembersOf(order.Group, workload.Workers, order.Groups).ToList();
        if (!order.Members.Select(m => m.Index).SequenceEqual(expected))
            throw new ArgumentException($"{what}: the order names workers [{string.Join(", ", order.Members.Select(m => m.Index))}], " +
                $"but the group is workers [{string.Join(", ", expected)}]");

        var sum = await GroupSummation.SumAsync(exchange, silo.SiloAddress, peers.EndpointOf, jobId, order.Round, order.Members, what);
        await exchange.PushAsync(await peers.EndpointOf(order.CoordinatorSilo), TensorKey.GroupGradientsOf(jobId, order.Round, order.Group),
            new TensorPayload([sum.Length], sum));
    }

    protected override void Forget() => _replica.Dispose();
}
