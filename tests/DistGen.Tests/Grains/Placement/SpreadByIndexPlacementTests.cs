using System.Net;
using DistGen.Grains.Placement;

namespace DistGen.Tests.Grains.Placement;

public sealed class SpreadByIndexPlacementTests
{
    private static readonly SiloAddress[] Silos = [.. Enumerable.Range(0, 5).Select(i => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111 + i), 1))];

    private static SiloAddress[] Take(int count) => Silos[..count];

    [Theory]
    [InlineData("vae-small-20261130-010203-0123456789ab", 2)]
    [InlineData("sweep-faults-20261130-002238-1ea9163b4752-3", 3)]
    [InlineData("job-2", 5)]
    public void A_jobs_members_go_round_robin_over_every_silo_whatever_order_the_silos_come_in(string jobId, int silos)
    {
        var placed = Enumerable.Range(0, 2 * silos).Select(i => SpreadByIndexPlacementDirector.SiloOf(jobId, i, Take(silos))).ToList();
        // n members on n silos: each silo once; member i + n on member i's silo.
        Assert.Equal(silos, placed.Take(silos).Distinct().Count());
        Assert.Equal(placed.Take(silos), placed.Skip(silos));
        // Any silo asked to place computes the same, in whatever order it lists the silos.
        Assert.Equal(placed, Enumerable.Range(0, 2 * silos).Select(i => SpreadByIndexPlacementDirector.SiloOf(jobId, i, Take(silos).Reverse())));
    }

    // A sweep of one-worker jobs: every job's worker 0 went to the first silo when the spread started there for every job.
    [Fact]
    public void The_first_members_of_a_sweeps_jobs_land_on_more_than_one_silo()
    {
        var firsts = Enumerable.Range(0, 10).Select(k => SpreadByIndexPlacementDirector.SiloOf($"sweep-faults-20261130-002238-1ea9163b4752-{k}", 0, Take(2))).ToList();
        Assert.Equal(2, firsts.Distinct().Count());
        var onThree = Enumerable.Range(0, 10).Select(k => SpreadByIndexPlacementDirector.SiloOf($"sweep-faults-20261130-002238-1ea9163b4752-{k}", 0, Take(3))).ToList();
        Assert.Equal(3, onThree.Distinct().Count());
    }
}
