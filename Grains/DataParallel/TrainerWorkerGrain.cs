using DistGen.Grains.Jobs;
using DistGen.Grains.Runs;
using System.Diagnostics;
using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using DistGen.Grains.Placement;
using static TorchSharp.torch;

namespace DistGen.Grains.DataParallel;

/// <summary>
/// A data-parallel worker (VAE, char-LM): pulls the round's parameters (one copy per silo), takes its shard's rows,
/// computes its rows' gradient with the workload's own step code and pushes it to the coordinator's silo.
/// Worker i is placed on silo i mod n, so a job's workers spread over the cluster.
/// </summary>
[AcceleratorAwarePlacement]
public sealed class TrainerWorkerGrain(JobWorkloads workloads, ITensorExchange exchange, DataPlanePeers peers, ILocalSiloDetails silo) : Grain, ITrainerWorkerGrain
{
    private JobWorkload? _job;
    private nn.Module? _replica;

    public async Task<WorkerStepResult> Step(WorkerStep step)
    {
        var (jobId, index) = JobIds.Parse(this.GetPrimaryKeyString());
        var job = _job ??= workloads.Get(jobId, await GrainFactory.GetGrain<IJobCoordinatorGrain>(jobId).GetSpec());
        var workload = job.WorkloadAs<IDataParallelWorkload>();

        var coordinator = await peers.EndpointOf(step.CoordinatorSilo);
        var parameters = await exchange.PullAsync(coordinator, TensorKey.ParametersOf(jobId, step.ParameterVersion));
        var rows = await GrainFactory.GetGrain<IDataShardGrain>(JobIds.Member(jobId, index)).RowsOf(step.Round);

        // The compute is synchronous on a pool thread: libtorch's dispose scopes and grad mode follow threads, not awaits.
        var clock = Stopwatch.StartNew();
        var (metrics, gradient) = await Task.Run(() =>
        {
            _replica ??= workload.CreateReplica();
            ParameterVector.Assign(_replica.parameters(), parameters.Data);
            var rowMetrics = workload.ComputeGradients(_replica, step.Round, index * workload.RowsPerWorker, rows);
            return (rowMetrics, ParameterVector.FlattenGradients(_replica.parameters()));
        });
        double computeSeconds = clock.Elapsed.TotalSeconds;

        await exchange.PushAsync(coordinator, TensorKey.GradientsOf(jobId, step.Round, JobIds.Member(jobId, index)),
            new TensorPayload([gradient.Length], gradient));
        return new WorkerStepResult(metrics, silo.SiloAddress.ToString(), computeSeconds);
    }

    public Task Release()
    {
        _replica?.Dispose();
        _replica = null;
        _job = null;
        workloads.Release(JobIds.Parse(this.GetPrimaryKeyString()).JobId);
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
