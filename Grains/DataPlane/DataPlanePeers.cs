using System.Collections.Concurrent;
using DistGen.Contracts.Jobs;
using Grpc.Core;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// Where a silo's data plane is, learnt from the cluster, never from a caller: grain calls name silos, not addresses.
/// A silo that is not an active member of the cluster (as this silo's membership view has it) has no data plane to
/// use; an active one is asked for its own endpoint once (its <see cref="ISiloGrain"/>, which lives on it). So no
/// grain argument can make a silo send the cluster secret to an address of the caller's choosing.
/// </summary>
public sealed class DataPlanePeers(
    IClusterMembershipService membership, ILocalSiloDetails local, DataPlaneEndpoint localEndpoint, IGrainFactory grains)
{
    // Silo addresses carry the silo's generation, so a restarted silo is a new entry.
    private readonly ConcurrentDictionary<SiloAddress, Task<string>> _endpoints = new();

    /// <summary>
    /// The data-plane endpoint of <paramref name="silo"/>. Throws <see cref="RpcException"/> Unavailable, as an unreachable
    /// data plane does, when the silo is not an active member of the cluster.
    /// </summary>
    public async Task<string> EndpointOf(SiloAddress silo)
    {
        if (silo.Equals(local.SiloAddress)) return localEndpoint.Address;
        // (The snapshot's GetSiloStatus calls a silo it has never seen Dead; say which it is.)
        if (!membership.CurrentSnapshot.Members.TryGetValue(silo, out var member))
            throw new RpcException(new Status(StatusCode.Unavailable, $"silo {silo} is not a member of the cluster: its data plane is not used"));
        if (member.Status != SiloStatus.Active)
            throw new RpcException(new Status(StatusCode.Unavailable, $"silo {silo} is {member.Status}: its data plane is not used"));

        var lookup = _endpoints.GetOrAdd(silo, s => grains.GetGrain<ISiloGrain>(s.ToParsableString()).GetDataPlaneEndpoint());
        try
        {
            return await lookup;
        }
        catch
        {
            _endpoints.TryRemove(new KeyValuePair<SiloAddress, Task<string>>(silo, lookup));
            throw;
        }
    }
}
