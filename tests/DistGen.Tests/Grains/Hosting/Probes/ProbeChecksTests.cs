using System.Collections.Immutable;
using System.Net;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Hosting.Probes;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace DistGen.Tests.Grains.Hosting.Probes;

public sealed class ProbeChecksTests
{
    private static readonly SiloAddress Local = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 1);

    [Theory]
    [InlineData(SiloStatus.Created)]
    [InlineData(SiloStatus.Joining)]
    [InlineData(SiloStatus.ShuttingDown)]
    [InlineData(SiloStatus.Stopping)]
    [InlineData(SiloStatus.Dead)]
    public async Task Readiness_fails_while_the_silo_is_not_active_and_names_its_status(SiloStatus status)
    {
        var result = await new ActiveInClusterCheck(new LocalSilo(), new Membership(status)).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal($"this silo is {status} in the cluster, not Active", result.Description);
    }

    [Fact]
    public async Task Readiness_passes_while_the_silo_is_active()
    {
        var result = await new ActiveInClusterCheck(new LocalSilo(), new Membership(SiloStatus.Active)).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    [Fact]
    public async Task Startup_passes_from_the_first_time_the_silo_is_active_and_stays_passed_while_it_drains()
    {
        var membership = new Membership(SiloStatus.Joining);
        var started = new StartedCheck(new ActiveInClusterCheck(new LocalSilo(), membership));

        var joining = await started.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, joining.Status);
        Assert.Equal("starting: this silo is Joining in the cluster, not Active", joining.Description);

        membership.Status = SiloStatus.Active;
        Assert.Equal(HealthStatus.Healthy, (await started.CheckHealthAsync(new HealthCheckContext())).Status);
        membership.Status = SiloStatus.ShuttingDown;
        Assert.Equal(HealthStatus.Healthy, (await started.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    [Fact]
    public async Task Readiness_fails_while_the_data_plane_is_not_bound()
    {
        var endpoint = new DataPlaneEndpoint(Options.Create(new DataPlaneOptions()));

        var result = await new DataPlaneListeningCheck(endpoint).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("the data plane is not bound yet", result.Description);
    }

    private sealed class LocalSilo : ILocalSiloDetails
    {
        public string Name => "probe-test";
        public string ClusterId => "probe-test";
        public string DnsHostName => "localhost";
        public SiloAddress SiloAddress => Local;
        public SiloAddress GatewayAddress => Local;
    }

    private sealed class Membership(SiloStatus status) : IClusterMembershipService
    {
        public SiloStatus Status { get; set; } = status;

        public ClusterMembershipSnapshot CurrentSnapshot => new(
            ImmutableDictionary<SiloAddress, ClusterMember>.Empty.Add(Local, new ClusterMember(Local, Status, "probe-test")), new MembershipVersion(1));

        public IAsyncEnumerable<ClusterMembershipSnapshot> MembershipUpdates => throw new NotSupportedException();

        public ValueTask Refresh(MembershipVersion minimumVersion = default, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> TryKill(SiloAddress siloAddress) => throw new NotSupportedException();
    }
}
