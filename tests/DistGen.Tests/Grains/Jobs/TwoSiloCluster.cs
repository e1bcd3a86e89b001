using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;

namespace DistGen.Tests.Grains.Jobs;

/// <summary>
/// An in-process Orleans cluster of two silos, each with its own data plane (Kestrel, h2c, 127.0.0.1, a free port)
/// and job storage shared by the process (it outlives a stopped silo): workers on one silo pull parameters from the other over real gRPC.
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
        private static readonly Dictionary<string, string?> Settings = new()
        {
            ["DataPlane:Secret"] = "in-process-cluster-secret",
            ["DataPlane:Port"] = "0",
            ["DataPlane:ListenAddress"] = "127.0.0.1",
            ["Artifacts:Root"] = ArtifactsRoot,
        };

        // Job records must outlive a stopped silo (a takeover test stops one), as they do in Redis.
        public void Configure(ISiloBuilder silo) => silo.UseInMemoryReminderService().Services
            .AddKeyedSingleton<IGrainStorage>("jobs", (services, _) => ActivatorUtilities.CreateInstance<ProcessWideGrainStorage>(services));

        public void Configure(IHostBuilder host)
        {
            host.ConfigureAppConfiguration(config => config.AddInMemoryCollection(Settings));
            host.ConfigureServices((context, services) =>
            {
                services.AddDistGenDataPlane(context.Configuration);
                services.AddDistGenJobs(context.Configuration);
            });
            host.ConfigureWebHost(web => web
                .UseKestrel(kestrel => kestrel.ListenDistGenDataPlane())
                .Configure(app =>
                {
                    app.UseRouting();
                    app.UseEndpoints(endpoints => endpoints.MapDistGenDataPlane());
                }));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TwoSiloClusterCollection : ICollectionFixture<TwoSiloCluster>
{
    public const string Name = "two-silo cluster";
}
