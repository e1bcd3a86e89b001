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
/// A data-parallel worker (VAE, char-LM): pulls the round's parameters (one copy per silo), takes its shard's rows,
/// computes its rows' gradient with the workload's own step code and pushes it to the coordinator's silo.
/// Worker i is placed on silo i mod n, so a job's workers spread over the cluster.
/// </summary>
[AcceleratorAwarePlacement]
public sealed class TrainerWorkerGrain(JobWorkloads workloads, ITensorExchange exchange, DataPlanePeers peers, ILocalSiloDetails silo)
    : JobMemberGrain<IDataParallelWorkload>(workloads), ITrainerWorkerGrain
{
    private readonly ParameterReplica<nn.Module> _replica = new(exchange, peers, "parameters");

    public async Task<WorkerStepResult> Step(WorkerStep step)
    {
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

        await exchange.PushAsync(await peers.EndpointOf(step.CoordinatorSilo), TensorKey.GradientsOf(jobId, step.Round, JobIds.Member(jobId, index)),
            new TensorPayload([gradient.Length], gradient));
        return new WorkerStepResult(metrics, silo.SiloAddress.ToString(), computeSeconds);
    }

    protected override void Forget() => _replica.Dispose();
}
