using DistGen.Contracts.Jobs;
using DistGen.Grains.Placement;

namespace DistGen.Tests.Grains.Placement;

[Collection(AcceleratorClusterCollection.Name)]
public sealed class AcceleratorPlacementTests(AcceleratorCluster fixture)
{
    // 3 workers of 1 accelerator fill the cluster exactly: 2 on the silo with 2, 1 on the silo with 1, none on the one with 0.
    private const string GpuSpec = """
        { "apiVersion": "distgen/v1", "name": "vae-gpu", "workload": "vae", "seed": 21,
          "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 32, "latentSize": 4 },
          "training": { "steps": 2, "batchSize": 24, "trainLimit": 600, "testLimit": 100, "logEvery": 1, "evalEvery": 2 },
          "cluster": { "workers": 3, "device": "auto", "gpusPerWorker": 1 } }
        """;

    private IJobRegistryGrain Registry => fixture.Cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key);

    private IAcceleratorLedgerGrain Ledger => fixture.SiloSide.GetGrain<IAcceleratorLedgerGrain>(IAcceleratorLedgerGrain.Key);

    [Fact]
    public async Task Gpu_workers_land_only_on_silos_with_free_accelerators_and_free_them_when_the_job_ends()
    {
        var status = await JobRuns.SubmitAndWaitAsync(fixture.Cluster.GrainFactory, GpuSpec);
        Assert.Equal(JobState.Succeeded, status.State);
        // The third worker found the 2-accelerator silo full and went to the 1-accelerator silo; the 0 silo got none.
        Assert.Equal(fixture.SilosWithAtLeast(1).Order(), status.WorkerSilos.Order());

        // Released workers deactivate, and each deactivation gives its accelerator back to the ledger.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await Ledger.Silos()).Sum(s => s.InUse) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "accelerators still in use after the job ended: " + AcceleratorAwarePlacementDirector.Describe(await Ledger.Silos()));
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Each_worker_of_a_cuda_job_builds_on_its_own_device_and_the_coordinator_never_fails_for_want_of_one()
    {
        // device cuda (1 accelerator per worker): the 3 workers take cuda:0 and cuda:1 of the 2-accelerator silo and
        // cuda:0 of the 1-accelerator silo. On this machine each silo's resolver answers the CPU; the names are what count.
        var spec = GpuSpec.Replace("\"device\": \"auto\", \"gpusPerWorker\": 1", "\"device\": \"cuda\"").Replace("vae-gpu", "vae-cuda");
        AcceleratorCluster.Resolved.Clear();

        var status = await JobRuns.SubmitAndWaitAsync(fixture.Cluster.GrainFactory, spec);

        Assert.True(status.State == JobState.Succeeded, $"{status.State}: {status.Message}");
        var resolved = AcceleratorCluster.Resolved.ToArray();
        var workerDevices = resolved.Where(r => r.Device.StartsWith("cuda:", StringComparison.Ordinal)).OrderBy(r => r.Silo).ThenBy(r => r.Device).ToArray();
        Assert.Equal([("Primary", "cuda:0"), ("Primary", "cuda:1"), ("Secondary_2", "cuda:0")], workerDevices);
        // The coordinator resolves the job's device where its silo has accelerators and the CPU where it has none.
        var coordinator = resolved.Where(r => !r.Device.StartsWith("cuda:", StringComparison.Ordinal)).ToArray();
        Assert.Single(coordinator);
        Assert.Equal(AcceleratorCluster.Accelerators[coordinator[0].Silo] > 0 ? "cuda" : "cpu", coordinator[0].Device);
        // Status shows the same: each worker's silo and device, and the coordinator's device.
        var bySilo = fixture.Cluster.Silos.ToDictionary(s => s.SiloAddress.ToString(), s => s.Name);
        Assert.Equal(workerDevices, status.Members.Select(m => (bySilo[m.Silo], m.Device)).Order().ToArray());
        Assert.Equal(["worker 0", "worker 1", "worker 2"], status.Members.Select(m => m.Member));
        Assert.Equal(coordinator[0].Device, status.CoordinatorDevice);
    }

    [Fact]
    public async Task Cpu_workers_go_anywhere_including_silos_without_accelerators()
    {
        var status = await JobRuns.SubmitAndWaitAsync(fixture.Cluster.GrainFactory, GpuSpec.Replace("\"device\": \"auto\", \"gpusPerWorker\": 1", "\"device\": \"cpu\""));
        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Equal(3, status.WorkerSilos.Count);
        // Status names each worker's silo and device: the CPU everywhere, the coordinator's too.
        Assert.Equal(["worker 0", "worker 1", "worker 2"], status.Members.Select(m => m.Member));
        Assert.All(status.Members, m => Assert.Equal("cpu", m.Device));
        Assert.Equal(status.WorkerSilos.Order(), status.Members.Select(m => m.Silo).Order());
        Assert.Equal("cpu", status.CoordinatorDevice);
    }

    [Theory]
    [InlineData("\"workers\": 4, \"device\": \"auto\", \"gpusPerWorker\": 1", "$.cluster.workers: the job needs 4 accelerators", "the cluster has 3")]
    [InlineData("\"workers\": 4, \"device\": \"cuda\"", "$.cluster.workers: the job needs 4 accelerators (4 workers, device cuda takes 1 each)", "the cluster has 3")]
    [InlineData("\"workers\": 1, \"device\": \"auto\", \"gpusPerWorker\": 3", "$.cluster.gpusPerWorker: each worker needs 3 accelerator(s) on one silo", "the largest silo has 2")]
    [InlineData("\"workers\": 1, \"device\": \"cpu\", \"gpusPerWorker\": 1", "$.cluster.gpusPerWorker: 1 with device cpu", "use device cuda or auto")]
    public async Task A_job_asking_for_more_accelerators_than_the_cluster_has_is_refused_at_submit(string cluster, string error, string detail)
    {
        int jobsBefore = (await Registry.List()).Count;
        var refused = await Registry.Submit(GpuSpec.Replace("\"workers\": 3, \"device\": \"auto\", \"gpusPerWorker\": 1", cluster));
        Assert.False(refused.Accepted);
        var message = Assert.Single(refused.Errors);
        Assert.StartsWith(error, message);
        Assert.Contains(detail, message);
        Assert.Equal(jobsBefore, (await Registry.List()).Count);
    }

    [Fact]
    public async Task A_split_gan_counts_a_generator_and_a_discriminator_per_worker_at_admission()
    {
        // 2 workers x (generator + discriminator) x 1 = 4 accelerators; the cluster has 3.
        var refused = await Registry.Submit("""
            { "apiVersion": "distgen/v1", "name": "gan-cuda", "workload": "gan", "data": { "name": "ring8" },
              "training": { "steps": 2 }, "cluster": { "workers": 2, "device": "cuda" } }
            """);
        Assert.False(refused.Accepted);
        Assert.StartsWith("$.cluster.workers: the job needs 4 accelerators (2 workers of 2 members (a generator and a discriminator), device cuda takes 1 each)",
            Assert.Single(refused.Errors));
    }

    [Fact]
    public async Task The_ledger_hands_out_each_free_accelerator_once_and_takes_it_back_on_release()
    {
        var advertised = await Ledger.Silos();
        // Only silos with accelerators register: 2 + 1, none in use between tests.
        Assert.Equal([1, 2], advertised.Select(s => s.Count).Order());
        Assert.All(advertised, s => Assert.Equal(0, s.InUse));
        var silos = advertised.Select(s => s.Silo).ToArray();
        var twoAccelerators = advertised.Single(s => s.Count == 2).Silo;

        Assert.Equal(twoAccelerators, await Ledger.Reserve("test/pair", 2, silos));
        Assert.NotNull(await Ledger.Reserve("test/a", 1, silos));
        Assert.Null(await Ledger.Reserve("test/b", 1, silos));

        await Ledger.Release("test/pair", twoAccelerators);
        Assert.Equal(twoAccelerators, await Ledger.Reserve("test/b", 1, silos));
        // A candidate list without free silos gets nothing, even though another silo still has a free accelerator.
        Assert.Null(await Ledger.Reserve("test/c", 1, silos.Where(s => !s.Equals(twoAccelerators)).ToArray()));

        foreach (var use in await Ledger.Silos())
        {
            await Ledger.Release("test/a", use.Silo);
            await Ledger.Release("test/b", use.Silo);
        }
        Assert.Equal(0, (await Ledger.Silos()).Sum(s => s.InUse));
    }

    [Fact]
    public async Task Device_indices_are_unique_per_silo_lowest_first_and_free_again_after_release()
    {
        var advertised = await Ledger.Silos();
        var silos = advertised.Select(s => s.Silo).ToArray();
        var twoAccelerators = advertised.Single(s => s.Count == 2).Silo;
        var oneAccelerator = advertised.Single(s => s.Count == 1).Silo;
        try
        {
            // Most free first: the 2-accelerator silo, then the 1-accelerator silo (1 free each), then the lower address.
            Assert.Equal(twoAccelerators, await Ledger.Reserve("test/dev-a", 1, silos));
            Assert.Equal(new[] { 0 }, await Ledger.DevicesOf("test/dev-a", twoAccelerators));
            var second = await Ledger.Reserve("test/dev-b", 1, [twoAccelerators]);
            Assert.Equal(twoAccelerators, second);
            Assert.Equal(new[] { 1 }, await Ledger.DevicesOf("test/dev-b", twoAccelerators));
            Assert.Equal(oneAccelerator, await Ledger.Reserve("test/dev-c", 1, silos));
            Assert.Equal(new[] { 0 }, await Ledger.DevicesOf("test/dev-c", oneAccelerator));
            // Asked about another silo than the one it holds devices on, a worker holds none there.
            Assert.Empty(await Ledger.DevicesOf("test/dev-a", oneAccelerator));

            // Device 0 freed is handed out again, not device 2 (there is none).
            await Ledger.Release("test/dev-a", twoAccelerators);
            Assert.Empty(await Ledger.DevicesOf("test/dev-a", twoAccelerators));
            Assert.Equal(twoAccelerators, await Ledger.Reserve("test/dev-d", 1, [twoAccelerators]));
            Assert.Equal(new[] { 0 }, await Ledger.DevicesOf("test/dev-d", twoAccelerators));
        }
        finally
        {
            foreach (var use in await Ledger.Silos())
                foreach (var worker in new[] { "test/dev-a", "test/dev-b", "test/dev-c", "test/dev-d" })
                    await Ledger.Release(worker, use.Silo);
        }
        Assert.Equal(0, (await Ledger.Silos()).Sum(s => s.InUse));
    }

    [Fact]
    public async Task A_reservation_waits_out_a_short_outage_of_the_ledgers_storage()
    {
        var silos = (await Ledger.Silos()).Select(s => s.Silo).ToArray();
        Task<SiloAddress?> reservation;
        using (var outage = ProcessWideGrainStorage.Outage("accelerators"))
        {
            reservation = Ledger.Reserve("test/outage", 1, silos);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (outage.Refused < 2)
            {
                Assert.True(DateTime.UtcNow < deadline, "the ledger never tried to write");
                await Task.Delay(50);
            }
            Assert.False(reservation.IsCompleted);
        }

        var silo = await reservation;

        Assert.NotNull(silo);
        Assert.Equal(1, (await Ledger.Silos()).Sum(s => s.InUse));
        await Ledger.Release("test/outage", silo);
        Assert.Equal(0, (await Ledger.Silos()).Sum(s => s.InUse));
    }
}
