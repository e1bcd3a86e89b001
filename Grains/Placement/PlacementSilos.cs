namespace DistGen.Grains.Placement;

/// <summary>The silos a job's member can be placed on now, as the placement directors of this silo see them.</summary>
public interface IPlacementSilos
{
    IReadOnlyList<SiloAddress> Current();
}

/// <summary>
/// Active members of the cluster whose grain manifest this silo already holds. A silo that has just joined is active in
/// membership a little before its manifest arrives, and until then placement does not offer it: a member moved to it
/// earlier would land on its old silo again.
/// </summary>
public sealed class ClusterPlacementSilos(IClusterMembershipService membership, IClusterManifestProvider manifests) : IPlacementSilos
{
    public IReadOnlyList<SiloAddress> Current()
    {
        var described = manifests.Current.Silos;
        return membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && described.ContainsKey(m.SiloAddress))
            .Select(m => m.SiloAddress)
            .ToList();
    }
}
