using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Grains.Security;
using DistGen.Training.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.TestingHost;

namespace DistGen.Bench;

/// <summary>
/// An Orleans cluster of n silos inside the bench process (Orleans' TestingHost), each with its own gRPC data plane on
/// loopback: grains on different silos exchange tensors over real gRPC, as on separate machines.
/// </summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    private const string Secret = "bench-in-process-secret";

    private static readonly string Root = Directory.CreateTempSubdirectory("distgen-bench-silos-").FullName;
    private readonly TestCluster _cluster;

    private InProcessCluster(TestCluster cluster) => _cluster = cluster;

    public static async Task<InProcessCluster> StartAsync(int silos)
    {
        var builder = new TestClusterBuilder((short)silos);
        builder.AddSiloBuilderConfigurator<SiloSetup>();
        builder.AddClientBuilderConfigurator<ClientSetup>();
        var cluster = builder.Build();
        // TestingHost writes its silos' log files under ./logs: keep them in the scratch folder, not the repository.
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = Root;
        try
        {
            await cluster.DeployAsync();
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
        return new InProcessCluster(cluster);
    }

    public IGrainFactory Grains => _cluster.GrainFactory;

    /// <summary>Where the silos write run folders.</summary>
    public static string ArtifactsRoot => Root;

    /// <summary>The silos' addresses, as the keys of their <see cref="ISiloGrain"/>s.</summary>
    public IReadOnlyList<SiloAddress> Silos => _cluster.GetActiveSilos().Select(s => s.SiloAddress).ToList();

    /// <summary>Runs a job spec to its end on this cluster and returns its summary.json.</summary>
    public Task<TrainingSummary> RunAsync(string specJson) => RunJobAsync(_cluster.GrainFactory, specJson, Root);

    /// <summary>Runs a job spec to its end and returns its summary with its final status (where its coordinator and workers ran).</summary>
    public Task<(TrainingSummary Summary, JobStatus Status)> RunWithStatusAsync(string specJson) => RunJobWithStatusAsync(_cluster.GrainFactory, specJson, Root);

    /// <summary>Runs a job spec to its end on any cluster whose run folders are under <paramref name="artifactsRoot"/>.</summary>
    public static async Task<TrainingSummary> RunJobAsync(IGrainFactory grains, string specJson, string artifactsRoot) =>
        (await RunJobWithStatusAsync(grains, specJson, artifactsRoot)).Summary;

    private static async Task<(TrainingSummary Summary, JobStatus Status)> RunJobWithStatusAsync(IGrainFactory grains, string specJson, string artifactsRoot)
    {
        var submitted = await grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(specJson);
        if (!submitted.Accepted) throw new InvalidOperationException(string.Join("; ", submitted.Errors));
        var coordinator = grains.GetGrain<IJobCoordinatorGrain>(submitted.JobId!);
        JobStatus status;
        while (!(status = await coordinator.GetStatus()).IsFinished) await Task.Delay(100);
        if (status.State != JobState.Succeeded) throw new InvalidOperationException($"bench job {status.State}: {status.Message}");
        var folder = Path.Combine(artifactsRoot, submitted.JobId!);
        var summary = TrainingSummary.Read(Path.Combine(folder, "summary.json"));
        Directory.Delete(folder, recursive: true);
        return (summary, status);
    }

    public async ValueTask DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }

    // The bench reads every silo's store and memory (ISiloGrain), which only silos may call: its client holds the secret.
    private sealed class ClientSetup : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client) => client.Services.AddSiloCallStamp(Secret);
    }

    private sealed class SiloSetup : ISiloConfigurator, IHostConfigurator
    {
        public void Configure(ISiloBuilder silo) => silo.UseInMemoryReminderService().AddMemoryGrainStorage("jobs");

        public void Configure(IHostBuilder host)
        {
            host.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["DataPlane:Secret"] = Secret,
                ["DataPlane:Port"] = "0",
                ["DataPlane:ListenAddress"] = "127.0.0.1",
                ["Artifacts:Root"] = Root,
            }));
            host.ConfigureServices((context, services) => services.AddDistGenDataPlane(context.Configuration).AddDistGenJobs(context.Configuration));
            host.ConfigureWebHost(web => web
                .UseKestrel(kestrel => kestrel.ListenDistGenDataPlane())
                .Configure(app => app.UseRouting().UseEndpoints(endpoints => endpoints.MapDistGenDataPlane())));
        }
    }
}
