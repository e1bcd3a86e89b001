using DistGen.Grains.Jobs;
using DistGen.Training.Core;
using DistGen.Training.Specs;

namespace DistGen.Grains.Gan;

/// <summary>The GAN split across actors: W generator workers, W discriminator workers and a coordinator with both optimizers.</summary>
public sealed class GanRunFactory : IJobRunFactory
{
    public bool CanRun(WorkloadDefinition workload) => workload.CreateSplitGan is not null;

    public IRoundWorkload CreateWorkload(LoadedJob job) => job.Workload.CreateSplitGan!(job);

    public ICoordinatedRun CreateRun(JobRunContext context) => new GanRun(context);
}
