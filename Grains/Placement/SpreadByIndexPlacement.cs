using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace DistGen.Grains.Placement;

/// <summary>
/// Places the grains of a job's members ("{jobId}/{index}") round-robin over the compatible silos, ordered by address,
/// starting at a silo fixed by the job's id: member i goes to silo (o + i) mod n, o a hash of the job id. Activation-count
/// placement reacts to stale load figures and, when a job's workers activate at once, can put them all on one silo; this
/// spreads them deterministically, and the start o spreads jobs too (a sweep's one-worker jobs would otherwise all put
/// their worker on the first silo).
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SpreadByIndexPlacement : PlacementStrategy
{
    public static readonly SpreadByIndexPlacement Singleton = new();
}

/// <summary>Marks a grain class for <see cref="SpreadByIndexPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SpreadByIndexPlacementAttribute() : PlacementAttribute(SpreadByIndexPlacement.Singleton);

/// <summary>Chooses member i's silo as the (o + i)-th (mod n) compatible silo in address order, o fixed by the job.</summary>
public sealed class SpreadByIndexPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 0) throw new OrleansException($"no silo can host {target.GrainIdentity}");
        var key = target.GrainIdentity.Key.ToString() ?? "";
        int slash = key.LastIndexOf('/');
        return Task.FromResult(slash >= 0 && int.TryParse(key.AsSpan(slash + 1), out var index)
            ? SiloOf(key[..slash], index, silos)
            : SiloOf(key, 0, silos));
    }

    /// <summary>
    /// Member <paramref name="index"/> of job <paramref name="jobId"/>: the ((o + index) mod n)-th of <paramref name="silos"/>
    /// in address order, where o is a hash of the job id that every silo computes alike (placement runs on any of them).
    /// </summary>
    public static SiloAddress SiloOf(string jobId, int index, IEnumerable<SiloAddress> silos)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var ordered = silos.OrderBy(s => s.ToString(), StringComparer.Ordinal).ToArray();
        ulong start = BinaryPrimitives.ReadUInt32LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(jobId)));
        return ordered[(int)((start + (ulong)index) % (ulong)ordered.Length)];
    }
}
