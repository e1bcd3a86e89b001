using System.Net;
using System.Net.Sockets;
using System.Reflection;
using DistGen.Client.Commands;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Jobs;
using DistGen.Grains.Placement;
using DistGen.Grains.Security;
using DistGen.Tests.Grains.Jobs;

namespace DistGen.Tests.Grains.Security;

/// <summary>
/// Attacks on the client/silo boundary of an in-process two-silo cluster, made through its gateway by clients that are
/// not our console: a plain Orleans client, one with a wrong secret, one that forges the credential entry.
/// </summary>
[Collection(TwoSiloClusterCollection.Name)]
public sealed class ClientApiTests(TwoSiloCluster fixture) : IAsyncLifetime
{
    private const string Spec = """
        { "apiVersion": "distgen/v1", "name": "api-vae", "workload": "vae", "seed": 5,
          "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 32, "latentSize": 4 },
          "training": { "steps": 8, "batchSize": 32, "trainLimit": 1000, "testLimit": 100, "logEvery": 4, "evalEvery": 8 },
          "cluster": { "workers": 2 } }
        """;

    private ClusterClients _plain = null!;

    public async Task InitializeAsync() => _plain = await ClusterClients.ConnectAsync(fixture.Cluster, clusterSecret: null);

    public async Task DisposeAsync() => await _plain.DisposeAsync();

    [Fact]
    public void Exactly_the_consoles_calls_are_open_to_clients()
    {
        var open = typeof(IJobRegistryGrain).Assembly.GetTypes().Concat(typeof(IAcceleratorLedgerGrain).Assembly.GetTypes())
            .Where(t => t.IsInterface && typeof(IGrain).IsAssignableFrom(t))
            .SelectMany(t => t.GetMethods())
            .Where(ClientApiFilter.IsOpenToClients)
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}: {ClientApiFilter.AccessTo(m).Least}")
            .Order(StringComparer.Ordinal);

        Assert.Equal(
            ["IJobCoordinatorGrain.Cancel: Operator", "IJobCoordinatorGrain.GetArtifact: Viewer", "IJobCoordinatorGrain.GetArtifacts: Viewer",
             "IJobCoordinatorGrain.GetCurves: Viewer", "IJobCoordinatorGrain.GetLabelWork: Viewer",
             "IJobCoordinatorGrain.GetStatus: Viewer", "IJobCoordinatorGrain.SubmitLabel: Operator",
             "IJobRegistryGrain.List: Viewer", "IJobRegistryGrain.ListSweeps: Viewer", "IJobRegistryGrain.Submit: Operator",
             "ISweepGrain.Cancel: Operator", "ISweepGrain.GetArtifacts: Viewer", "ISweepGrain.GetStatus: Viewer"],
            open);
        var management = typeof(IManagementGrain).GetMethods();
        Assert.All(management.Where(m => m.Name == nameof(IManagementGrain.ForceGarbageCollection)), m => Assert.False(ClientApiFilter.IsOpenToClients(m)));
        Assert.All(management.Where(m => m.Name == nameof(IManagementGrain.GetDetailedHosts)), m => Assert.True(ClientApiFilter.IsOpenToClients(m)));
    }

    [Fact]
    public async Task A_plain_client_submits_lists_follows_and_fetches_a_job()
    {
        var status = await JobRuns.SubmitAndWaitAsync(_plain.Grains, Spec);

        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Contains(await _plain.Grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).List(), j => j.JobId == status.JobId);
        // The grain call answers a manifest; the files come over the coordinator's silo's data plane, whole.
        var output = Directory.CreateTempSubdirectory("distgen-api-fetch-").FullName;
        try
        {
            var manifest = await ArtifactFiles.FetchAsync(_plain.Grains, status.JobId, output, dataPlane: null, certificates: null, CancellationToken.None);
            Assert.Contains(manifest.Files, a => a.FileName == "summary.json" && a.Size > 0);
            foreach (var artifact in manifest.Files)
                Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(TwoSiloCluster.ArtifactsRoot, status.JobId, artifact.FileName)),
                    await File.ReadAllBytesAsync(Path.Combine(output, artifact.FileName)));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }

        // What the job pages read: one file's manifest (never a path out of the run folder) and the curves, thinned.
        var coordinator = _plain.Grains.GetGrain<IJobCoordinatorGrain>(status.JobId);
        var one = await coordinator.GetArtifact("summary.json");
        Assert.Equal(["summary.json"], one.Files.Select(f => f.FileName));
        Assert.Empty((await coordinator.GetArtifact("no-such-file.png")).Files);
        foreach (var escape in new[] { "../registry", "..", "a/b", ".lease" })
        {
            var refused = await Assert.ThrowsAsync<ArgumentException>(() => coordinator.GetArtifact(escape));
            Assert.Contains("is not a file name of a run folder", refused.Message);
        }
        var curves = await coordinator.GetCurves(2);
        Assert.Equal(2, curves.Steps.Length);
        Assert.True(curves.LoggedSteps >= 2, $"{curves.LoggedSteps} steps logged");
        Assert.Contains("train_neg_elbo", curves.Columns);
    }

    [Fact]
    public async Task A_plain_client_cannot_start_a_coordinator_under_a_key_of_its_choosing()
    {
        string jobId = JobIds.New("api-start", DateTimeOffset.UtcNow);
        var coordinator = _plain.Grains.GetGrain<IJobCoordinatorGrain>(jobId);

        var refused = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => coordinator.Start(Spec, DateTimeOffset.UtcNow));

        Assert.Contains("IJobCoordinatorGrain.Start is internal to the cluster's silos", refused.Message);
        Assert.False(Directory.Exists(Path.Combine(TwoSiloCluster.ArtifactsRoot, jobId)));
        Assert.True(string.IsNullOrEmpty((await coordinator.GetStatus()).Name), "a job record exists");
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => coordinator.GetSpec());
    }

    [Fact]
    public async Task A_plain_client_cannot_reach_workers_silos_or_the_ledger()
    {
        var grains = _plain.Grains;
        var job = (await JobRuns.SubmitAndWaitAsync(grains, Spec)).JobId;
        var worker = JobIds.Member(job, 0);
        var silo = fixture.Cluster.GetActiveSilos().First().SiloAddress;
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var bait = SiloAddress.New((IPEndPoint)listener.LocalEndpoint, 1);
            Func<Task>[] attacks =
            [
                () => grains.GetGrain<ITrainerWorkerGrain>(worker).Step(new WorkerStep(1, 0, bait)),
                () => grains.GetGrain<ITrainerWorkerGrain>(worker).SumGroup(new GroupSum(1, bait, 0, 1, [new GroupMember(0, bait), new GroupMember(1, bait)])),
                () => grains.GetGrain<IJobCoordinatorGrain>(job).ReportMember(new MemberDevice("worker 0", bait.ToString(), "cuda:7")),
                () => grains.GetGrain<IAcceleratorLedgerGrain>(IAcceleratorLedgerGrain.Key).DevicesOf(worker, silo),
                () => grains.GetGrain<ITrainerWorkerGrain>(worker).Release(),
                () => grains.GetGrain<ITrainerWorkerGrain>(worker).Relocate(),
                () => grains.GetGrain<IDataShardGrain>(worker).RowsOf(1),
                () => grains.GetGrain<ISiloGrain>(silo.ToParsableString()).ReleaseJob(job),
                () => grains.GetGrain<IAcceleratorLedgerGrain>(IAcceleratorLedgerGrain.Key).Reserve(worker, 1, [silo]),
                () => grains.GetGrain<IManagementGrain>(0).ForceGarbageCollection([]),
            ];
            foreach (var attack in attacks)
            {
                var refused = await Assert.ThrowsAsync<UnauthorizedAccessException>(attack);
                Assert.Contains("is internal to the cluster's silos", refused.Message);
            }
            Assert.False(listener.Pending(), "a silo dialled the address a client named");
            Assert.DoesNotContain((await grains.GetGrain<IJobCoordinatorGrain>(job).GetStatus()).Members, m => m.Device == "cuda:7");
            // A worker of a job that does not exist is refused at placement, with an error Orleans can carry.
            var unknown = await Assert.ThrowsAsync<OrleansException>(() => grains.GetGrain<ITrainerWorkerGrain>("no-such-job/0").Release());
            Assert.Contains("job no-such-job is not known to the cluster", unknown.Message);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task A_client_with_a_wrong_secret_or_a_forged_credential_is_refused()
    {
        var worker = JobIds.Member((await JobRuns.SubmitAndWaitAsync(_plain.Grains, Spec)).JobId, 1);
        await using var wrong = await ClusterClients.ConnectAsync(fixture.Cluster, "not-the-cluster-secret");
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => wrong.Grains.GetGrain<ITrainerWorkerGrain>(worker).Release());

        foreach (var forged in new object[] { "", "not base64!", Convert.ToBase64String(new byte[32]), 42 })
        {
            RequestContext.Set(SiloCallCredential.Key, forged);
            try
            {
                await Assert.ThrowsAsync<UnauthorizedAccessException>(() => _plain.Grains.GetGrain<ITrainerWorkerGrain>(worker).Release());
            }
            finally
            {
                RequestContext.Remove(SiloCallCredential.Key);
            }
        }
    }

    [Fact]
    public async Task A_coordinator_key_that_is_a_path_writes_nothing_outside_the_artifacts_root()
    {
        var outside = Path.Combine(Path.GetDirectoryName(TwoSiloCluster.ArtifactsRoot)!, $"escaped-{Guid.NewGuid():N}");
        var key = Path.GetRelativePath(TwoSiloCluster.ArtifactsRoot, outside); // "../escaped-…"
        foreach (var grains in new[] { _plain.Grains, fixture.SiloSide })
        {
            var coordinator = grains.GetGrain<IJobCoordinatorGrain>(key);
            Assert.True(string.IsNullOrEmpty((await coordinator.GetStatus()).Name), "a job record exists");
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => coordinator.Start(Spec, DateTimeOffset.UtcNow));
            Assert.True(refused is UnauthorizedAccessException || refused.Message.Contains("not a valid run folder name"), refused.ToString());
        }
        Assert.False(Directory.Exists(outside) || File.Exists(outside));
    }
}
