using DistGen.Contracts.Jobs;
using Microsoft.Extensions.Logging;

namespace DistGen.Grains.Placement;

/// <summary>
/// Elastic scale-up of a job's members (<c>cluster.elastic</c>): before a round, when a silo has joined the cluster since
/// the last look, every member whose spread-by-index silo (<see cref="SpreadByIndexPlacementDirector.SiloOf"/>) is now
/// another one than where it ran is told to leave its silo (<see cref="IJobMemberGrain.Relocate"/>), so its next call
/// places it on its new silo. Silos that leave need nothing here: Orleans places their members anew on the next call.
/// The job's result does not depend on where its members run (rows, noise and gradient groups are fixed by index).
/// </summary>
public sealed class ElasticSpread(IClusterMembershipService membership, string jobId, ILogger logger)
{
    private HashSet<SiloAddress>? _known;

    /// <summary>
    /// Moves the members that a joined silo takes over, given where each ran last (<paramref name="hosts"/>, null where
    /// not known yet); returns their indices (none when no silo joined).
    /// </summary>
    public async Task<IReadOnlyList<int>> RebalanceAsync(IReadOnlyList<SiloAddress?> hosts, Func<int, IJobMemberGrain> member)
    {
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToList();
        var known = _known;
        _known = active.ToHashSet();
        if (known is null || active.Count == 0) return [];
        var joined = active.Where(s => !known.Contains(s)).ToList();
        if (joined.Count == 0) return [];
        var moving = Enumerable.Range(0, hosts.Count)
            .Where(i => hosts[i] is { } host && !host.Equals(SpreadByIndexPlacementDirector.SiloOf(i, active)))
            .ToList();
        await Task.WhenAll(moving.Select(i => member(i).Relocate()));
        logger.LogInformation("job {Job}: silo(s) {Joined} joined; members {Moving} move to their new silos from the next round",
            jobId, string.Join(", ", joined), string.Join(", ", moving));
        return moving;
    }
}
