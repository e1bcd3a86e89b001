using DistGen.Training.Core;
using DistGen.Training.Specs;

namespace DistGen.Grains.Jobs;

/// <summary>One workload family the cluster runs: which jobs it takes, their per-process workload and their coordinated run.</summary>
public interface IJobRunFactory
{
    /// <summary>Whether this family runs the workload on the cluster.</summary>
    bool CanRun(WorkloadDefinition workload);

    /// <summary>The job's workload as this process uses it (data loaded once, shared by the job's grains in the process).</summary>
    IRoundWorkload CreateWorkload(LoadedJob job);

    /// <summary>The coordinator's side of a run.</summary>
    ICoordinatedRun CreateRun(JobRunContext context);
}
