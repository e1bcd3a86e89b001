using System.Net;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Placement;
using Microsoft.Extensions.Logging.Abstractions;

namespace DistGen.Tests.Grains.Placement;

public sealed class ElasticSpreadTests
{
    private static SiloAddress Silo(int port) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), 1);

    private static readonly SiloAddress A = Silo(11111), B = Silo(11112), C = Silo(11113);

    // A job whose members start at the first silo on 1, 2 and 3 silos (its hash is 0 mod 6): member i belongs on silo i mod n.
    private const string Job = "job-2";

    private readonly FakeSilos _silos = new(A);
    private readonly Dictionary<int, FakeMember> _members = [];

    private IJobMemberGrain Member(int index) => _members.TryGetValue(index, out var m) ? m : _members[index] = new FakeMember();

    private int[] Relocated => _members.Where(m => m.Value.Relocated > 0).Select(m => m.Key).Order().ToArray();

    [Fact]
    public async Task Only_a_joined_silo_moves_members_and_only_those_whose_spread_silo_changed()
    {
        var spread = new ElasticSpread(_silos, Job, NullLogger.Instance);
        SiloAddress?[] hosts = [A, A, A, A];

        // The first look only learns the silos; nothing changed since.
        Assert.Empty(await spread.RebalanceAsync(hosts, Member));
        Assert.Empty(await spread.RebalanceAsync(hosts, Member));

        // B joins: worker i belongs on silo i mod 2 in address order (A before B), so 1 and 3 move.
        _silos.Set(A, B);
        Assert.Equal([1, 3], await spread.RebalanceAsync(hosts, Member));
        Assert.Equal([1, 3], Relocated);
        // They landed there: nothing more moves.
        Assert.Empty(await spread.RebalanceAsync([A, B, A, B], Member));

        // A silo that leaves moves nobody here (Orleans places its members anew on their next call).
        _silos.Set(A);
        Assert.Empty(await spread.RebalanceAsync([A, A, A, null], Member));

        // C joins a cluster of A and B where everyone is spread over A and B already: 2 and 3 move.
        _silos.Set(A, B);
        await spread.RebalanceAsync([A, B, A, B], Member);
        _silos.Set(A, B, C);
        Assert.Equal([2, 3], await spread.RebalanceAsync([A, B, A, B], Member));
        Assert.Equal(C, SpreadByIndexPlacementDirector.SiloOf(Job, 2, [C, B, A]));
    }

    // Placement may put a moved member back on its old silo (a manifest that arrived late): it is told again in the next
    // rounds, but not forever.
    [Fact]
    public async Task A_member_that_landed_on_its_old_silo_is_moved_again_a_bounded_number_of_times()
    {
        var spread = new ElasticSpread(_silos, Job, NullLogger.Instance);
        SiloAddress?[] stuck = [A, A];
        await spread.RebalanceAsync(stuck, Member);
        _silos.Set(A, B);
        for (int round = 0; round < ElasticSpread.MovesAfterAJoin + 3; round++) await spread.RebalanceAsync(stuck, Member);
        Assert.Equal(ElasticSpread.MovesAfterAJoin, _members[1].Relocated);
        Assert.False(_members.ContainsKey(0), "worker 0 was on its silo all along");
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

    private sealed class FakeSilos(params SiloAddress[] silos) : IPlacementSilos
    {
        private SiloAddress[] _silos = silos;

        public void Set(params SiloAddress[] silos) => _silos = silos;

        public IReadOnlyList<SiloAddress> Current() => _silos;
    }
}
