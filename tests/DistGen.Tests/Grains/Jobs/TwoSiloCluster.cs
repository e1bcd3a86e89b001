using Microsoft.Extensions.Hosting;
using Orleans.TestingHost;

namespace DistGen.Tests.Grains.Jobs;

/// <summary>
/// An in-process Orleans cluster of two silos set up as <see cref="InProcessSilo"/> describes: workers on one silo
/// pull parameters from the other over real gRPC.
/// </summary>
public sealed class TwoSiloCluster : IAsyncLifetime
{
    public static readonly string ArtifactsRoot = Directory.CreateTempSubdirectory("distgen-cluster-runs-").FullName;

    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await StartAsync();

    /// <summary>Starts another cluster like the fixture's, for a test that stops one of its silos.</summary>
    public static async Task<TestCluster> StartAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<SiloSetup>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        if (Directory.Exists(ArtifactsRoot)) Directory.Delete(ArtifactsRoot, recursive: true);
    }

    private sealed class SiloSetup : ISiloConfigurator, IHostConfigurator
    {
        public void Configure(ISiloBuilder silo) => InProcessSilo.ConfigureOrleans(silo);

        public void Configure(IHostBuilder host) =>
            InProcessSilo.ConfigureHost(host, _ => InProcessSilo.DataPlane("in-process-cluster-secret", ArtifactsRoot));
    }
}

[CollectionDefinition(Name)]
public sealed class TwoSiloClusterCollection : ICollectionFixture<TwoSiloCluster>
{
    public const string Name = "two-silo cluster";
}
