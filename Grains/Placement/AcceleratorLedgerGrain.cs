using DistGen.Grains.Hosting;
using DistGen.Grains.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistGen.Grains.Placement;

/// <summary>
/// The ledger of accelerators: silos register what they offer at start-up, the placement director reserves for GPU
/// workers, deactivating workers release. Silos that left the cluster (dead, stopping, or gone from membership) are
/// pruned with everything reserved on them. Persisted in the <c>jobs</c> storage (Redis in a cluster), so a ledger
/// that moves to another silo keeps the reservations of workers that are still running. Its writes are retried while
/// storage is unreachable, up to Coordinator:CallOutageDeadline (its callers wait: placement, a silo's start).
/// </summary>
public sealed class AcceleratorLedgerGrain(
    [PersistentState("accelerators", ClusterHostOptions.JobStorageName)] IPersistentState<AcceleratorLedger> ledger,
    IClusterMembershipService membership, IOptions<CoordinatorOptions> coordinator, ILogger<AcceleratorLedgerGrain> logger) : Grain, IAcceleratorLedgerGrain
{
    private StorageRetry? _retry;

    private StorageRetry Retry => _retry ??= new StorageRetry("accelerator ledger", coordinator.Value.CallOutageDeadline, "Coordinator:CallOutageDeadline", logger);

    private Task SaveAsync() => Retry.RunAsync("write the accelerator ledger", _ => ledger.WriteStateAsync());

    public async Task Register(SiloAddress silo, int count, MembershipVersion seenAt)
    {
        // The registering silo is active in seenAt; without the refresh this silo's older view would prune it at once.
        await membership.Refresh(seenAt);
        Prune();
        ledger.State.Silos[silo.ToParsableString()] = count;
        await SaveAsync();
    }

    public async Task<SiloAddress?> Reserve(string worker, int count, SiloAddress[] candidates)
    {
        Prune();
        // A worker placed again (its silo died, or it was deactivated) gives up what it held before.
        ledger.State.Reservations.Remove(worker);
        var choice = Use()
            .Where(silo => candidates.Contains(silo.Silo) && silo.Free >= count)
            .OrderByDescending(silo => silo.Free)
            .ThenBy(silo => silo.Silo.ToParsableString(), StringComparer.Ordinal)
            .FirstOrDefault();
        if (choice is not null)
        {
            var silo = choice.Silo.ToParsableString();
            ledger.State.Reservations[worker] = new AcceleratorReservation { Silo = silo, Count = count, Devices = FreeDevices(silo, count) };
        }
        await SaveAsync();
        return choice?.Silo;
    }

    public Task<int[]> DevicesOf(string worker, SiloAddress silo) =>
        Task.FromResult(ledger.State.Reservations.TryGetValue(worker, out var held) && held.Silo == silo.ToParsableString() ? held.Devices.Order().ToArray() : []);

    // The lowest device indices of the silo that no reservation holds (there are at least count: the silo has that many
    // free). A reservation stored before devices were recorded holds as many unnamed ones, taken as the lowest left.
    private int[] FreeDevices(string silo, int count)
    {
        var held = ledger.State.Reservations.Values.Where(r => r.Silo == silo).ToList();
        var taken = held.SelectMany(r => r.Devices).ToHashSet();
        int unnamed = held.Sum(r => Math.Max(0, r.Count - r.Devices.Length));
        return Enumerable.Range(0, ledger.State.Silos[silo]).Where(d => !taken.Contains(d)).Skip(unnamed).Take(count).ToArray();
    }

    public async Task Release(string worker, SiloAddress silo)
    {
        if (!ledger.State.Reservations.TryGetValue(worker, out var held) || held.Silo != silo.ToParsableString()) return;
        ledger.State.Reservations.Remove(worker);
        await SaveAsync();
    }

    public async Task<IReadOnlyList<SiloAcceleratorUse>> Silos()
    {
        if (Prune()) await SaveAsync();
        return Use();
    }

    private List<SiloAcceleratorUse> Use()
    {
        var inUse = ledger.State.Reservations.Values.GroupBy(r => r.Silo).ToDictionary(g => g.Key, g => g.Sum(r => r.Count));
        return ledger.State.Silos
            .Select(silo => new SiloAcceleratorUse(SiloAddress.FromParsableString(silo.Key), silo.Value, inUse.GetValueOrDefault(silo.Key)))
            .OrderBy(silo => silo.Silo.ToParsableString(), StringComparer.Ordinal)
            .ToList();
    }

    // Drops silos that are no longer active and whatever was reserved on them; true when something was dropped.
    private bool Prune()
    {
        var snapshot = membership.CurrentSnapshot;
        var gone = ledger.State.Silos.Keys
            .Where(silo => snapshot.GetSiloStatus(SiloAddress.FromParsableString(silo)) != SiloStatus.Active)
            .ToHashSet();
        var orphans = ledger.State.Reservations.Where(r => !ledger.State.Silos.ContainsKey(r.Value.Silo) || gone.Contains(r.Value.Silo)).Select(r => r.Key).ToList();
        foreach (var silo in gone) ledger.State.Silos.Remove(silo);
        foreach (var worker in orphans) ledger.State.Reservations.Remove(worker);
        return gone.Count + orphans.Count > 0;
    }
}

/// <summary>The ledger's persisted state, keyed by parsable silo address and by worker grain id.</summary>
[GenerateSerializer]
public sealed class AcceleratorLedger
{
    [Id(0)] public Dictionary<string, int> Silos { get; set; } = [];
    [Id(1)] public Dictionary<string, AcceleratorReservation> Reservations { get; set; } = [];
}

/// <summary>Accelerators a worker holds on one silo: how many, and which (device indices of that silo).</summary>
[GenerateSerializer]
public sealed class AcceleratorReservation
{
    [Id(0)] public string Silo { get; set; } = "";
    [Id(1)] public int Count { get; set; }
    [Id(2)] public int[] Devices { get; set; } = [];
}
