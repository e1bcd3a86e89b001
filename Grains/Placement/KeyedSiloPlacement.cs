using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace DistGen.Grains.Placement;

/// <summary>
/// Places a grain on the silo its key names (a silo address in Orleans' parsable form): a per-silo service reachable by
/// grain calls. A key naming a silo that is not in the cluster fails the call instead of landing elsewhere.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class KeyedSiloPlacement : PlacementStrategy
{
    public static readonly KeyedSiloPlacement Singleton = new();
}

/// <summary>Marks a grain class for <see cref="KeyedSiloPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class KeyedSiloPlacementAttribute() : PlacementAttribute(KeyedSiloPlacement.Singleton);

/// <summary>Returns the silo named by the grain's key when it is one of the compatible silos.</summary>
public sealed class KeyedSiloPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString() ?? "";
        SiloAddress named;
        try
        {
            named = SiloAddress.FromParsableString(key);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            throw new OrleansException($"{target.GrainIdentity}: '{key}' is not a silo address", e);
        }
        if (!context.GetCompatibleSilos(target).Contains(named))
            throw new OrleansException($"{target.GrainIdentity}: silo {named} is not an active member of the cluster");
        return Task.FromResult(named);
    }
}
