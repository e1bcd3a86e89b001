using DistGen.Contracts.Jobs;
using DistGen.Grains.Jobs;
using DistGen.Training.Core;

namespace DistGen.Grains.Runs;

/// <summary>
/// What every member grain of a job shares: its job and index, read from its key; the job's workload, asked of the
/// coordinator once and loaded once per process (<see cref="JobWorkloads"/>); and its release when the job ends.
/// A family's member supplies its work and what it drops on release.
/// </summary>
public abstract class JobMemberGrain<TWorkload>(JobWorkloads workloads) : Grain, IJobMemberGrain where TWorkload : class, IRoundWorkload
{
    private TWorkload? _workload;

    /// <summary>The member's job and index; a member whose key is offset from its index overrides this.</summary>
    protected virtual (string JobId, int Index) Identity => JobIds.Parse(this.GetPrimaryKeyString());

    protected string JobId => Identity.JobId;

    protected int Index => Identity.Index;

    /// <summary>The job's workload, as this process holds it.</summary>
    protected async ValueTask<TWorkload> WorkloadAsync() =>
        _workload ??= workloads.Get(JobId, await GrainFactory.GetGrain<IJobCoordinatorGrain>(JobId).GetSpec()).WorkloadAs<TWorkload>();

    public Task Release()
    {
        Forget();
        _workload = null;
        workloads.Release(JobId);
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    /// <summary>Drops the member's replicas and state (disposing native tensors).</summary>
    protected abstract void Forget();
}
