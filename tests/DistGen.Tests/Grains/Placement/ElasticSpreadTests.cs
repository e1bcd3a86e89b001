using System.Collections.Immutable;
using System.Net;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Placement;
using Microsoft.Extensions.Logging.Abstractions;

namespace DistGen.Tests.Grains.Placement;

public sealed class ElasticSpreadTests
{
    private static SiloAddress Silo(int port) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), 1);

    private static readonly SiloAddress A = Silo(11111), B = Silo(11112), C = Silo(11113);

    [Fact]
    public async Task Only_a_joined_silo_moves_members_and_only_those_whose_spread_silo_changed()
    {
        var membership = new FakeMembership(A);
        var members = new Dictionary<int, FakeMember>();
        IJobMemberGrain Member(int i) => members.TryGetValue(i, out var m) ? m : members[i] = new FakeMember();
        var spread = new ElasticSpread(membership, "job", NullLogger.Instance);
        SiloAddress?[] hosts = [A, A, A, A];

        // The first look only learns the silos; nothing changed since.
        Assert.Empty(await spread.RebalanceAsync(hosts, Member));
        Assert.Empty(await spread.RebalanceAsync(hosts, Member));

        // B joins: worker i belongs on silo i mod 2 in address order (A before B), so 1 and 3 move; a member not seen
        // yet (null) is left to placement.
        membership.Set(A, B);
        Assert.Equal([1, 3], await spread.RebalanceAsync(hosts, Member));
        Assert.Equal([1, 3], members.Where(m => m.Value.Relocated == 1).Select(m => m.Key).Order());
        Assert.Empty(await spread.RebalanceAsync([A, B, A, B], Member));

        // A silo that leaves moves nobody here (Orleans places its members anew on their next call).
        membership.Set(A);
        Assert.Empty(await spread.RebalanceAsync([A, A, A, null], Member));

        // C joins a cluster of A and B where everyone is spread already over A and B.
        membership.Set(A, B);
        await spread.RebalanceAsync([A, B, A, B], Member);
        membership.Set(A, B, C);
        Assert.Equal([2, 3], await spread.RebalanceAsync([A, B, A, B], Member));
        Assert.Equal(SpreadByIndexPlacementDirector.SiloOf(2, [C, B, A]), C);
    }

    private sealed class FakeMember : IJobMemberGrain
    {
        public int Relocated { get; private set; }

        public Task Release() => Task.CompletedTask;

        public Task Relocate()
        {
            Relocated++;
            return Task.CompletedTask;
        }
    }

    private sealed class FakeMembership(params SiloAddress[] silos) : IClusterMembershipService
    {
        private long _version = 1;

        public ClusterMembershipSnapshot CurrentSnapshot { get; private set; } = Snapshot(silos, 1);

        public void Set(params SiloAddress[] active) => CurrentSnapshot = Snapshot(active, ++_version);

        private static ClusterMembershipSnapshot Snapshot(SiloAddress[] active, long version) => new(
            active.ToImmutableDictionary(s => s, s => new ClusterMember(s, SiloStatus.Active, s.ToString())), new MembershipVersion(version));

        public IAsyncEnumerable<ClusterMembershipSnapshot> MembershipUpdates => throw new NotSupportedException();

        public ValueTask Refresh(MembershipVersion minimumVersion = default, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public Task<bool> TryKill(SiloAddress siloAddress) => Task.FromResult(false);
    }
}
