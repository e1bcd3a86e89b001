using DistGen.Contracts.Jobs;
using Microsoft.Extensions.Logging;

namespace DistGen.Grains.Placement;

/// <summary>
/// Elastic scale-up of a job's members (<c>cluster.elastic</c>): before a round, when a silo has joined the ones members
/// can be placed on (<see cref="IPlacementSilos"/>) since the last look, every member whose spread-by-index silo
/// (<see cref="SpreadByIndexPlacementDirector.SiloOf"/>) is now another one than where it ran is told to leave its silo
/// (<see cref="IJobMemberGrain.Relocate"/>), so its next call places it on its new silo. A member found off its silo again
/// in the next rounds is told again, at most <see cref="MovesAfterAJoin"/> times in all. Silos that leave need nothing
/// here: Orleans places their members anew on the next call. The job's result does not depend on where its members run
/// (rows, noise and gradient groups are fixed by index).
/// </summary>
public sealed class ElasticSpread(IPlacementSilos silos, string jobId, ILogger logger)
{
    /// <summary>Rounds after a join in which members off their silo are moved.</summary>
    public const int MovesAfterAJoin = 3;

    private HashSet<SiloAddress>? _known;
    private int _movesLeft;

    /// <summary>
    /// Moves the members that a joined silo takes over, given where each ran last (<paramref name="hosts"/>, null where
    /// not known yet); returns their indices (none when no silo joined lately or every member is where it belongs).
    /// </summary>
    public async Task<IReadOnlyList<int>> RebalanceAsync(IReadOnlyList<SiloAddress?> hosts, Func<int, IJobMemberGrain> member)
    {
        var current = silos.Current();
        var known = _known;
        _known = current.ToHashSet();
        if (known is null || current.Count == 0) return [];
        var joined = current.Where(s => !known.Contains(s)).ToList();
        if (joined.Count > 0) _movesLeft = MovesAfterAJoin;
        if (_movesLeft == 0) return [];
        var moving = Enumerable.Range(0, hosts.Count)
            .Where(i => hosts[i] is { } host && !host.Equals(SpreadByIndexPlacementDirector.SiloOf(jobId, i, current)))
            .ToList();
        _movesLeft = moving.Count == 0 ? 0 : _movesLeft - 1;
        if (moving.Count == 0) return [];
        await Task.WhenAll(moving.Select(i => member(i).Relocate()));
        logger.LogInformation("job {Job}: silo(s) {Joined} joined; members {Moving} move to their new silos from the next round",
            jobId, joined.Count > 0 ? string.Join(", ", joined) : "(earlier)", string.Join(", ", moving));
        return moving;
    }
}
