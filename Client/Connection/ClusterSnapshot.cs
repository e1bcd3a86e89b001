using System.Text.Json.Serialization;

namespace DistGen.Client.Connection;

/// <summary>One silo as the cluster's membership and statistics see it.</summary>
/// <param name="Address">Silo address, <c>ip:port@generation</c>.</param>
/// <param name="Name">Silo name.</param>
/// <param name="Host">Host name.</param>
/// <param name="Status">Membership status: Joining, Active, ShuttingDown, Stopping, Dead.</param>
/// <param name="StartTime">When the silo started (UTC).</param>
/// <param name="GatewayPort">Its client gateway port (0: none).</param>
/// <param name="Activations">Activations of DistGen grain types on it, by type name (active silos only).</param>
public sealed record SiloSnapshot(
    string Address, string Name, string Host, string Status, DateTime StartTime, int GatewayPort, IReadOnlyDictionary<string, int> Activations);

/// <summary>What <c>distgen cluster</c> shows: the silos and the DistGen grains on each, read through <see cref="IManagementGrain"/>.</summary>
/// <param name="ClusterId">The cluster's id.</param>
/// <param name="Silos">Silos, active first, then by start time.</param>
public sealed record ClusterSnapshot(string ClusterId, IReadOnlyList<SiloSnapshot> Silos)
{
    /// <summary>Silos that are Active.</summary>
    [JsonIgnore]
    public IEnumerable<SiloSnapshot> Active => Silos.Where(s => s.Status == nameof(SiloStatus.Active));

    /// <summary>Reads membership and grain counts; dead silos (kept in the membership table for days) only when asked.</summary>
    public static async Task<ClusterSnapshot> ReadAsync(IGrainFactory grains, string clusterId, bool includeDead)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetDetailedHosts(onlyActive: false);
        var active = hosts.Where(h => h.Status == SiloStatus.Active).Select(h => h.SiloAddress).ToArray();
        var statistics = active.Length == 0 ? [] : await management.GetSimpleGrainStatistics(active);
        var silos = hosts
            .Where(h => includeDead || h.Status != SiloStatus.Dead)
            .OrderBy(h => h.Status == SiloStatus.Active ? 0 : 1).ThenBy(h => h.StartTime)
            .Select(h => new SiloSnapshot(
                h.SiloAddress.ToParsableString(), h.SiloName, h.HostName, h.Status.ToString(), h.StartTime, h.ProxyPort,
                DistGenActivations(statistics.Where(s => s.SiloAddress.Equals(h.SiloAddress)))))
            .ToList();
        return new ClusterSnapshot(clusterId, silos);
    }

    /// <summary>The short name of a DistGen grain class (<c>DistGen.Grains.Jobs.TrainerWorkerGrain,DistGen.Grains</c> → <c>TrainerWorkerGrain</c>), or null for others.</summary>
    public static string? DistGenGrainName(string grainType)
    {
        // Generic arguments and the assembly name follow the first '`', '[' or ','.
        var end = grainType.IndexOfAny(['`', '[', ',']);
        var typeName = (end >= 0 ? grainType[..end] : grainType).Trim();
        return typeName.StartsWith("DistGen.", StringComparison.Ordinal) ? typeName[(typeName.LastIndexOf('.') + 1)..] : null;
    }

    private static SortedDictionary<string, int> DistGenActivations(IEnumerable<SimpleGrainStatistic> statistics)
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var statistic in statistics)
        {
            if (DistGenGrainName(statistic.GrainType) is not { } name) continue;
            counts[name] = counts.GetValueOrDefault(name) + statistic.ActivationCount;
        }
        return counts;
    }
}
