using DistGen.Contracts.Jobs;
using DistGen.Grains.Jobs;
using DistGen.Grains.Placement;
using DistGen.Training.Core;
using Microsoft.Extensions.DependencyInjection;
using static TorchSharp.torch;

namespace DistGen.Grains.Runs;

/// <summary>
/// What every member grain of a job shares: its job and index, read from its key; the job's workload, asked of the
/// coordinator once and loaded once per process (<see cref="JobWorkloads"/>); the device it builds its models on
/// (<see cref="MemberDevices"/>: its own accelerator of this silo in a GPU job); and its release when the job ends.
/// A family's member supplies its work and what it drops on release.
/// </summary>
public abstract class JobMemberGrain<TWorkload>(JobWorkloads workloads) : Grain, IJobMemberGrain where TWorkload : class, IRoundWorkload
{
    private JobWorkload? _job;
    private (string Name, Device Device)? _device;

    /// <summary>The member's job and index; a member whose key is offset from its index overrides this.</summary>
    protected virtual (string JobId, int Index) Identity => JobIds.Parse(this.GetPrimaryKeyString());

    protected string JobId => Identity.JobId;

    protected int Index => Identity.Index;

    /// <summary>The job's workload, as this process holds it.</summary>
    protected async ValueTask<TWorkload> WorkloadAsync() => (await JobAsync()).WorkloadAs<TWorkload>();

    /// <summary>How status names the member's kind: "worker", or what a family's member is ("actor", "generator").</summary>
    protected virtual string Role => "worker";

    /// <summary>
    /// The device this member builds its models on, and its name (<c>cpu</c>, <c>cuda:1</c>), resolved once per
    /// activation and reported to the coordinator, whose status shows each member's silo and device.
    /// </summary>
    protected async ValueTask<(string Name, Device Device)> DeviceAsync()
    {
        if (_device is { } known) return known;
        var resolved = await ServiceProvider.GetRequiredService<MemberDevices>()
            .MemberDeviceAsync(this.GetGrainId().ToString(), (await JobAsync()).Job.Spec.Cluster.Device);
        var silo = ServiceProvider.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString();
        await GrainFactory.GetGrain<IJobCoordinatorGrain>(JobId).ReportMember(new MemberDevice($"{Role} {Index}", silo, resolved.Name));
        _device = resolved;
        return resolved;
    }

    /// <summary>Counts an order this member carried out (<see cref="Metrics.TrainingMeter"/>: member steps by family and role).</summary>
    protected async ValueTask CountStepAsync() => Metrics.TrainingMeter.MemberStep((await JobAsync()).Job.Spec.Workload, Role);

    private async ValueTask<JobWorkload> JobAsync() =>
        _job ??= workloads.Get(JobId, await GrainFactory.GetGrain<IJobCoordinatorGrain>(JobId).GetSpec());

    public Task Release()
    {
        Forget();
        (_job, _device) = (null, null);
        workloads.Release(JobId);
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task Relocate()
    {
        Forget();
        (_job, _device) = (null, null);
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    /// <summary>Drops the member's replicas and state (disposing native tensors).</summary>
    protected abstract void Forget();
}
