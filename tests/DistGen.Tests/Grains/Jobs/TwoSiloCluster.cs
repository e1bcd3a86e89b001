using Microsoft.Extensions.Hosting;
using Orleans.TestingHost;

namespace DistGen.Tests.Grains.Jobs;

/// <summary>
/// An in-process Orleans cluster of two silos set up as <see cref="InProcessSilo"/> describes: workers on one silo
/// pull parameters from the other over real gRPC.
/// </summary>
public sealed class TwoSiloCluster : IAsyncLifetime
{
    public const string Secret = "in-process-cluster-secret";

    public static readonly string ArtifactsRoot = Directory.CreateTempSubdirectory("distgen-cluster-runs-").FullName;

    private ClusterClients _siloSide = null!;

    /// <summary>The cluster; its <c>GrainFactory</c> is a plain client, which reaches only the public API.</summary>
    public TestCluster Cluster { get; private set; } = null!;

    /// <summary>A client that holds the cluster secret and calls as a silo does: for reaching workers and silo grains.</summary>
    public IGrainFactory SiloSide => _siloSide.Grains;

    public async Task InitializeAsync()
    {
        Cluster = await StartAsync();
        _siloSide = await ClusterClients.ConnectAsync(Cluster, Secret);
    }

    /// <summary>Starts another cluster like the fixture's, for a test that stops one of its silos.</summary>
    public static async Task<TestCluster> StartAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<SiloSetup>();
        // Real sockets on loopback, so that clients other than the TestingHost's own can reach the gateways.
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public async Task DisposeAsync()
    {
        await _siloSide.DisposeAsync();
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        if (Directory.Exists(ArtifactsRoot)) Directory.Delete(ArtifactsRoot, recursive: true);
    }

    private sealed class SiloSetup : ISiloConfigurator, IHostConfigurator
    {
        public void Configure(ISiloBuilder silo) => InProcessSilo.ConfigureOrleans(silo);

        public void Configure(IHostBuilder host) =>
            InProcessSilo.ConfigureHost(host, _ => InProcessSilo.DataPlane(Secret, ArtifactsRoot));
    }
}

[CollectionDefinition(Name)]
public sealed class TwoSiloClusterCollection : ICollectionFixture<TwoSiloCluster>
{
    public const string Name = "two-silo cluster";
}
