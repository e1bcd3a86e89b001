using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace DistGen.Grains.Placement;

/// <summary>
/// Places the grains of a job's members ("{jobId}/{index}") round-robin over the compatible silos, ordered by address:
/// member i goes to silo i mod n. Activation-count placement reacts to stale load figures and, when a job's workers
/// activate at once, can put them all on one silo; this spreads them deterministically.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SpreadByIndexPlacement : PlacementStrategy
{
    public static readonly SpreadByIndexPlacement Singleton = new();
}

/// <summary>Marks a grain class for <see cref="SpreadByIndexPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SpreadByIndexPlacementAttribute() : PlacementAttribute(SpreadByIndexPlacement.Singleton);

/// <summary>Chooses member i's silo as the i-th (mod n) compatible silo in address order.</summary>
public sealed class SpreadByIndexPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 0) throw new OrleansException($"no silo can host {target.GrainIdentity}");
        var key = target.GrainIdentity.Key.ToString() ?? "";
        int slash = key.LastIndexOf('/');
        int index = slash >= 0 && int.TryParse(key.AsSpan(slash + 1), out var i) ? i : Math.Abs(key.GetHashCode());
        return Task.FromResult(SiloOf(index, silos));
    }

    /// <summary>Member <paramref name="index"/>'s silo among <paramref name="silos"/>: the (index mod n)-th in address order.</summary>
    public static SiloAddress SiloOf(int index, IEnumerable<SiloAddress> silos)
    {
        var ordered = silos.OrderBy(s => s.ToString(), StringComparer.Ordinal).ToArray();
        return ordered[index % ordered.Length];
    }
}
