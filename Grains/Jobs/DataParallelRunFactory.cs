using DistGen.Training.Core;
using DistGen.Training.Specs;

namespace DistGen.Grains.Jobs;

/// <summary>Synchronous data-parallel rounds (VAE, char-LM): trainer workers, data shards and one averaging coordinator.</summary>
public sealed class DataParallelRunFactory : IJobRunFactory
{
    public bool CanRun(WorkloadDefinition workload) => workload.CreateDataParallel is not null;

    public IRoundWorkload CreateWorkload(LoadedJob job) => job.Workload.CreateDataParallel!(job);

    public ICoordinatedRun CreateRun(JobRunContext context) => new DataParallelRun(context);
}
