using static TorchSharp.torch;

namespace DistGen.Grains.Placement;

/// <summary>
/// The device a job member (worker, actor) of this silo builds its models on, and the one its coordinator's learner
/// runs on. A member of a GPU job uses the first device index the accelerator ledger reserved for it on this silo, so
/// two workers on a 2-GPU silo use <c>cuda:0</c> and <c>cuda:1</c>; a member of a CPU job, or of an <c>auto</c> job that
/// holds no accelerator, uses the CPU. The coordinator holds no reservation: it runs on the job's device when its silo
/// has accelerators (sharing them with that silo's workers: it keeps one model and its optimizer, and only applies
/// averaged gradients), and on the CPU when its silo has none, rather than failing (docs/architecture.md, "Devices").
/// </summary>
public sealed class MemberDevices(IGrainFactory grains, ILocalSiloDetails silo, LocalAccelerators accelerators, IDeviceResolver resolver)
{
    /// <summary>The device name of <paramref name="member"/> (its grain id) of a job whose <c>cluster.device</c> is <paramref name="jobDevice"/>.</summary>
    public async Task<string> MemberDeviceNameAsync(string member, string jobDevice)
    {
        if (IsCpu(jobDevice)) return "cpu";
        var held = await grains.GetGrain<IAcceleratorLedgerGrain>(IAcceleratorLedgerGrain.Key).DevicesOf(member, silo.SiloAddress);
        if (held.Length > 0) return $"cuda:{held[0]}";
        if (jobDevice.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase)) return "cpu";
        throw new InvalidOperationException(
            $"{member} of a job on device {jobDevice} holds no accelerator on silo {silo.SiloAddress}: it was placed without the ledger; " +
            "a GPU job's workers and actors are placed by AcceleratorAwarePlacement");
    }

    /// <summary>The device name and device of <paramref name="member"/>, resolved on this silo.</summary>
    public async Task<(string Name, Device Device)> MemberDeviceAsync(string member, string jobDevice)
    {
        var name = await MemberDeviceNameAsync(member, jobDevice);
        return (name, resolver.Resolve(name));
    }

    /// <summary>The device name the coordinator's learner of a job on <paramref name="jobDevice"/> uses on this silo.</summary>
    public string CoordinatorDeviceName(string jobDevice) => IsCpu(jobDevice) || accelerators.Count == 0 ? "cpu" : jobDevice.Trim().ToLowerInvariant();

    /// <summary>The coordinator's device name and device, resolved on this silo.</summary>
    public (string Name, Device Device) CoordinatorDevice(string jobDevice)
    {
        var name = CoordinatorDeviceName(jobDevice);
        return (name, resolver.Resolve(name));
    }

    /// <summary>Whether a job on <paramref name="jobDevice"/> asked for an accelerator that this silo's coordinator lacks, so its learner runs on the CPU.</summary>
    public bool CoordinatorFallsBackToCpu(string jobDevice) => !IsCpu(jobDevice) && accelerators.Count == 0;

    private static bool IsCpu(string device) => device.Trim().Equals("cpu", StringComparison.OrdinalIgnoreCase);
}
