using DistGen.Grains.Jobs;
using DistGen.Training.Core;
using DistGen.Training.Specs;

namespace DistGen.Grains.Rl;

/// <summary>PPO: rollout actor grains collecting trajectories for one learner on the coordinator, synchronous or lag-bounded asynchronous.</summary>
public sealed class PpoRunFactory : IJobRunFactory
{
    public bool CanRun(WorkloadDefinition workload) => workload.CreatePpoRun is not null;

    public IRoundWorkload CreateWorkload(LoadedJob job) => job.Workload.CreatePpoRun!(job);

    public ICoordinatedRun CreateRun(JobRunContext context) => new PpoRun(context);
}
