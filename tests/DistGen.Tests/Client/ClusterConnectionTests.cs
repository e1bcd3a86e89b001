using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DistGen.Client;
using DistGen.Client.Connection;
using DistGen.Grains.Hosting;

namespace DistGen.Tests.Client;

public sealed class ClusterConnectionTests
{
    private static ClusterConnectionSettings ClosedGateway() => new()
    {
        Gateway = $"127.0.0.1:{ClosedPort()}",
        ConnectTimeout = TimeSpan.FromSeconds(1.5),
    };

    // A port that was free a moment ago; nothing listens on it.
    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_closed_gateway_gives_the_unreachable_exception_once_the_connect_timeout_runs_out()
    {
        var settings = ClosedGateway();
        var clock = Stopwatch.StartNew();

        var unreachable = await Assert.ThrowsAsync<ClusterUnreachableException>(() => ClusterConnection.ConnectAsync(settings));

        Assert.InRange(clock.Elapsed.TotalSeconds, 1.0, 6.0);
        Assert.StartsWith($"cannot reach the cluster 'distgen' through {settings.Target} within 1.5 s", unreachable.Message);
        Assert.EndsWith("start a silo or check --redis/--gateway (and --cluster-id).", unreachable.Message);
    }

    [Fact]
    public async Task A_session_maps_an_unreachable_cluster_to_exit_3_with_one_line_and_never_runs_the_work()
    {
        var error = new StringWriter();
        var ran = false;

        var exit = await ClusterSession.RunAsync(ClosedGateway(), (_, _) => { ran = true; return Task.FromResult(0); }, CancellationToken.None, error);

        Assert.Equal(ExitCodes.ClusterUnreachable, exit);
        Assert.False(ran);
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("start a silo or check --redis/--gateway", line);
    }

    [Fact]
    public async Task A_session_maps_malformed_flags_to_exit_2()
    {
        var options = new ConnectionOptions();
        var parse = options.AddTo(new Command("probe")).Parse(["--gateway", "nowhere"]);
        var error = new StringWriter();

        var exit = await ClusterSession.RunAsync(parse, options, (_, _) => Task.FromResult(0), CancellationToken.None, error);

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("--gateway \"nowhere\" is not HOST:PORT", error.ToString());
    }

    [Fact]
    public async Task A_client_reaches_an_embedded_silo_through_its_gateway_and_sees_it_active()
    {
        await using var silo = await EmbeddedSilo.StartAsync(new EmbeddedSiloOptions { ClusterId = "connection-test", GatewayPort = 0 });
        var settings = new ClusterConnectionSettings { Gateway = $"127.0.0.1:{silo.Endpoints.GatewayPort}", ClusterId = "connection-test" };

        var exit = await ClusterSession.RunAsync(settings, async (cluster, _) =>
        {
            var snapshot = await ClusterSnapshot.ReadAsync(cluster.GrainFactory, cluster.Settings.ClusterId, includeDead: false);
            var only = Assert.Single(snapshot.Silos);
            Assert.Equal(("embedded", "Active", silo.Endpoints.GatewayPort!.Value), (only.Name, only.Status, only.GatewayPort));
            Assert.StartsWith($"127.0.0.1:{silo.Endpoints.SiloPort}@", only.Address);
            return 0;
        }, CancellationToken.None);

        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task A_session_maps_the_clusters_storage_outage_to_exit_3_naming_the_setting_and_redis()
    {
        await using var silo = await EmbeddedSilo.StartAsync(new EmbeddedSiloOptions { ClusterId = "outage-test", GatewayPort = 0 });
        var settings = new ClusterConnectionSettings { Gateway = $"127.0.0.1:{silo.Endpoints.GatewayPort}", ClusterId = "outage-test" };
        var error = new StringWriter();

        // What a submit meets when the registry's storage stays down past Coordinator:CallOutageDeadline.
        var exit = await ClusterSession.RunAsync(settings, (_, _) => throw new DistGen.Grains.Jobs.StorageOutageException(
            "job storage was unreachable for 20 s (Coordinator:CallOutageDeadline is 00:00:20); could not list the job", null), CancellationToken.None, error);

        Assert.Equal(ExitCodes.ClusterUnreachable, exit);
        Assert.Contains("could not reach its job storage", error.ToString());
        Assert.Contains("Coordinator:CallOutageDeadline", error.ToString());
        Assert.Contains("Check Redis", error.ToString());
    }
}
