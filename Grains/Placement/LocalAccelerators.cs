using Microsoft.Extensions.Configuration;
using static TorchSharp.torch;

namespace DistGen.Grains.Placement;

/// <summary>
/// The accelerators (GPUs) this silo offers to GPU workers: setting <c>Cluster:Accelerators</c>
/// (env <c>DISTGEN__Cluster__Accelerators</c>) when given, otherwise the CUDA devices TorchSharp sees.
/// </summary>
/// <param name="Count">How many accelerators GPU workers may hold on this silo at once.</param>
/// <param name="Source">Where the count came from, for the start-up log: "configured" or "TorchSharp".</param>
public sealed record LocalAccelerators(int Count, string Source)
{
    /// <summary>The configuration key of the override.</summary>
    public const string SettingKey = "Cluster:Accelerators";

    /// <summary>The largest count a silo may advertise (a configuration typo such as 80 would otherwise admit jobs no node can run).</summary>
    public const int MaxCount = 64;

    /// <summary>Reads the override, or asks TorchSharp when there is none.</summary>
    public static LocalAccelerators From(IConfiguration configuration)
    {
        if (configuration[SettingKey] is not { Length: > 0 } text) return new LocalAccelerators(Detect(), "TorchSharp");
        if (!int.TryParse(text, out var count) || count is < 0 or > MaxCount)
            throw new InvalidOperationException(
                $"{SettingKey} (env DISTGEN__Cluster__Accelerators) is \"{text}\": use a whole number from 0 to {MaxCount}, or leave it unset to count the GPUs TorchSharp sees.");
        return new LocalAccelerators(count, "configured");
    }

    // The CPU backend never sees CUDA; the CUDA backend counts the devices the container was given (nvidia.com/gpu).
    private static int Detect() => cuda.is_available() ? Math.Min(cuda.device_count(), MaxCount) : 0;
}
