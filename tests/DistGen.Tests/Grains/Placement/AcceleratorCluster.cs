using System.Collections.Concurrent;
using DistGen.Grains.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.TestingHost;
using static TorchSharp.torch;

namespace DistGen.Tests.Grains.Placement;

/// <summary>
/// An in-process cluster of three silos that advertise 2, 0 and 1 accelerators (setting <c>Cluster:Accelerators</c>),
/// each with its own data plane on loopback, so GPU jobs really run: each silo's <see cref="IDeviceResolver"/> records
/// the device names its members and coordinators ask for (<see cref="Resolved"/>) and answers the CPU, this machine's
/// only device.
/// </summary>
public sealed class AcceleratorCluster : IAsyncLifetime
{
    /// <summary>Accelerators per silo, by the TestingHost's silo names.</summary>
    public static readonly IReadOnlyDictionary<string, int> Accelerators = new Dictionary<string, int>
    {
        ["Primary"] = 2,
        ["Secondary_1"] = 0,
        ["Secondary_2"] = 1,
    };

    private static readonly string ArtifactsRoot = Directory.CreateTempSubdirectory("distgen-gpu-cluster-runs-").FullName;

    private const string Secret = "accelerator-cluster-secret";

    private ClusterClients _siloSide = null!;

    /// <summary>Every device name resolved so far, with the name of the silo that resolved it, in order.</summary>
    public static ConcurrentQueue<(string Silo, string Device)> Resolved { get; } = new();

    public TestCluster Cluster { get; private set; } = null!;

    /// <summary>A client that holds the cluster secret and calls as a silo does (for the accelerator ledger).</summary>
    public IGrainFactory SiloSide => _siloSide.Grains;

    /// <summary>The silo addresses (as <c>JobStatus.WorkerSilos</c> prints them) of the silos with this many accelerators or more.</summary>
    public IReadOnlySet<string> SilosWithAtLeast(int accelerators) =>
        Cluster.Silos.Where(s => Accelerators[s.Name] >= accelerators).Select(s => s.SiloAddress.ToString()).ToHashSet();

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder((short)Accelerators.Count);
        builder.AddSiloBuilderConfigurator<SiloSetup>();
        // Real sockets on loopback, so that clients other than the TestingHost's own can reach the gateways.
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        _siloSide = await ClusterClients.ConnectAsync(Cluster, Secret);
    }

    public async Task DisposeAsync()
    {
        await _siloSide.DisposeAsync();
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        Directory.Delete(ArtifactsRoot, recursive: true);
    }

    private sealed class SiloSetup : ISiloConfigurator, IHostConfigurator
    {
        public void Configure(ISiloBuilder silo) => InProcessSilo.ConfigureOrleans(silo);

        // The TestingHost puts each silo's name into its configuration; the accelerator count follows from it.
        public void Configure(IHostBuilder host)
        {
            InProcessSilo.ConfigureHost(host, configuration =>
            {
                var settings = InProcessSilo.DataPlane(Secret, ArtifactsRoot);
                settings["Cluster:Accelerators"] = Accelerators[configuration["Orleans:Name"]!].ToString();
                return settings;
            });
            host.ConfigureServices((context, services) =>
                services.AddSingleton<IDeviceResolver>(new RecordingResolver(context.Configuration["Orleans:Name"]!)));
        }
    }

    private sealed class RecordingResolver(string silo) : IDeviceResolver
    {
        public Device Resolve(string name)
        {
            Resolved.Enqueue((silo, name));
            return CPU;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AcceleratorClusterCollection : ICollectionFixture<AcceleratorCluster>
{
    public const string Name = "accelerator cluster";
}
