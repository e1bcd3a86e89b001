using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Hosting;
using DistGen.Grains.Jobs;
using DistGen.Grains.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;
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

    /// <summary>Coordinator:CallOutageDeadline of these silos: short, so a test can outlast it.</summary>
    public static readonly TimeSpan CallOutageDeadline = TimeSpan.FromSeconds(3);

    private ClusterClients _siloSide = null!;

    /// <summary>The cluster; its <c>GrainFactory</c> is a plain client, which reaches only the public API.</summary>
    public TestCluster Cluster { get; private set; } = null!;

    /// <summary>A client that holds the cluster secret and calls as a silo does: for reaching workers and silo grains.</summary>
    public IGrainFactory SiloSide => _siloSide.Grains;

    /// <summary>The services of each active silo (its tensor store, job workloads, sweep).</summary>
    public IEnumerable<IServiceProvider> SiloServices => Cluster.GetActiveSilos().Cast<InProcessSiloHandle>().Select(s => s.SiloHost.Services);

    /// <summary>Writes <paramref name="record"/> as job <paramref name="jobId"/>'s stored record, as an earlier coordinator would have left it.</summary>
    public Task WriteJobRecordAsync(string jobId, JobRecord record) =>
        SiloServices.First().GetRequiredKeyedService<IGrainStorage>(ClusterHostOptions.JobStorageName)
            .WriteStateAsync("job", SiloSide.GetGrain<IJobCoordinatorGrain>(jobId).GetGrainId(), new GrainState<JobRecord>(record));

    /// <summary>Puts a tensor of <paramref name="jobId"/> in every silo's store, as workers pulling its parameters would.</summary>
    public void PutTensorOnEverySilo(string jobId)
    {
        foreach (var services in SiloServices)
            Assert.True(services.GetRequiredService<TensorStore>().TryAdd(TensorKey.ParametersOf(jobId, 1), new TensorPayload([2], [1f, 2f])));
    }

    /// <summary>The silos whose store still holds a tensor of <paramref name="jobId"/>, by address.</summary>
    public async Task<IReadOnlyList<string>> SilosHoldingAsync(string jobId)
    {
        var holding = new List<string>();
        foreach (var silo in Cluster.GetActiveSilos())
            if ((await SiloGrain.On(SiloSide, silo.SiloAddress).GetStoreUsage()).Jobs.Contains(jobId)) holding.Add(silo.SiloAddress.ToString());
        return holding;
    }

    /// <summary>
    /// Waits (up to 30 s) until no silo holds anything of <paramref name="jobId"/>: no tensor in its store, no workload
    /// cached in its process; fails naming what is still held where.
    /// </summary>
    /// <remarks>
    /// A job's end is recorded (and shown) before it is freed: the runner then waits for the members' steps still in
    /// flight, releases them and asks every silo. On a loaded CI machine a cancelled job was not yet freed 10 s after it
    /// showed Cancelled (2026-11-30). The wait stays below <see cref="DistGen.Grains.Jobs.FinishedJobCleanup.Period"/>,
    /// the catch-up that could hide a missed release.
    /// </remarks>
    public async Task AssertNoSiloHoldsAsync(string jobId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await HeldAsync(jobId) is { Count: > 0 } held)
        {
            Assert.True(DateTime.UtcNow < deadline, $"job {jobId} still holds: {string.Join(", ", held)}");
            await Task.Delay(100);
        }
    }

    private async Task<List<string>> HeldAsync(string jobId)
    {
        var held = (await SilosHoldingAsync(jobId)).Select(silo => $"tensors on {silo}").ToList();
        held.AddRange(SiloServices.Where(services => services.GetRequiredService<JobWorkloads>().Jobs.Contains(jobId))
            .Select(services => $"a workload in {services.GetRequiredService<ILocalSiloDetails>().SiloAddress}"));
        return held;
    }

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
            InProcessSilo.ConfigureHost(host, _ => new Dictionary<string, string?>(InProcessSilo.DataPlane(Secret, ArtifactsRoot))
            {
                ["Coordinator:CallOutageDeadline"] = CallOutageDeadline.ToString("c"),
            });
    }
}

[CollectionDefinition(Name)]
public sealed class TwoSiloClusterCollection : ICollectionFixture<TwoSiloCluster>
{
    public const string Name = "two-silo cluster";
}
