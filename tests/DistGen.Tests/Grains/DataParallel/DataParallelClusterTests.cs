using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using Microsoft.Extensions.DependencyInjection;
using DistGen.Grains.Jobs;
using DistGen.Tests.Grains.Jobs;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using DistGen.Training.Specs;
using static TorchSharp.torch;

namespace DistGen.Tests.Grains.DataParallel;

[Collection(TwoSiloClusterCollection.Name)]
public sealed class DataParallelClusterTests(TwoSiloCluster fixture) : IDisposable
{
    private readonly string _reference = Directory.CreateTempSubdirectory("distgen-reference-").FullName;

    public void Dispose() => Directory.Delete(_reference, recursive: true);

    private const string VaeSpec = """
        { "apiVersion": "distgen/v1", "name": "vae-cluster", "workload": "vae", "seed": 11,
          "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 128, "latentSize": 8 },
          "training": { "steps": 20, "batchSize": 128, "trainLimit": 4000, "testLimit": 500, "logEvery": 5, "evalEvery": 10 },
          "cluster": { "workers": 4 } }
        """;

    private const string CharLmSpec = """
        { "apiVersion": "distgen/v1", "name": "lm-cluster", "workload": "char-lm", "seed": 12,
          "data": { "name": "kjv" },
          "model": { "contextLength": 32, "modelDimension": 64, "heads": 4, "layers": 2 },
          "training": { "steps": 20, "batchSize": 128, "evalInterval": 10, "evalBatches": 2, "sampleLength": 20, "sampleCount": 1 },
          "cluster": { "workers": 4 } }
        """;

    // An anomaly detector is the VAE's rounds on the normal class, then the one-class report.
    private const string AnomalySpec = """
        { "apiVersion": "distgen/v1", "name": "anomaly-cluster", "workload": "anomaly", "seed": 13,
          "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 128, "latentSize": 8 },
          "training": { "normalClasses": [1], "steps": 20, "batchSize": 128, "trainLimit": 4000, "testLimit": 500, "logEvery": 5, "evalEvery": 10, "scoreSamples": 5 },
          "cluster": { "workers": 4 } }
        """;

    // The convolutional detector: the same rounds through convolutions.
    private const string ConvAnomalySpec = """
        { "apiVersion": "distgen/v1", "name": "anomaly-conv-cluster", "workload": "anomaly", "seed": 14,
          "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 64, "latentSize": 8, "architecture": "conv" },
          "training": { "normalClasses": [7], "steps": 20, "batchSize": 64, "trainLimit": 4000, "testLimit": 300, "logEvery": 5, "evalEvery": 10, "scoreSamples": 3 },
          "cluster": { "workers": 4 } }
        """;

    [Theory]
    [InlineData(VaeSpec, "vae")]
    [InlineData(CharLmSpec, "model")]
    [InlineData(AnomalySpec, "vae")]
    [InlineData(ConvAnomalySpec, "vae")]
    public async Task Job_with_4_workers_of_batch_32_equals_the_reference_with_batch_128(string spec, string moduleName)
    {
        var registry = fixture.Cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key);
        var submitted = await registry.Submit(spec);
        Assert.True(submitted.Accepted, string.Join("; ", submitted.Errors));

        var status = await JobRuns.WaitForAsync(fixture.Cluster.GrainFactory, submitted.JobId!, s => s.IsFinished);
        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Equal(20, status.Round);

        var job = SpecLoader.Parse(spec);
        var reference = new DataParallelReferenceTrainer(job.CreateRoundWorkload<IDataParallelWorkload>()).Run(RunContext.OnCpu(_reference, job.Spec.Seed));
        var expected = ParametersIn(Path.Combine(_reference, "checkpoint.bin"), job, moduleName);
        var actual = ParametersIn(Path.Combine(TwoSiloCluster.ArtifactsRoot, submitted.JobId!, "checkpoint.bin"), job, moduleName);
        double difference = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(difference <= 1e-5, $"max |parameter difference| {difference:E3}");
        // The final quality figures, the VAE's importance-weighted likelihood among them, come from the same learner code
        // (throughput figures differ).
        var figures = TrainingSummary.Read(Path.Combine(TwoSiloCluster.ArtifactsRoot, submitted.JobId!, "summary.json")).Figures;
        Assert.Equal(reference.Figures.Keys.Order(), figures.Keys.Order());
        if (job.Spec.Workload == "vae") Assert.Contains("test_nll_iw_nats", figures.Keys);
        if (job.Spec.Workload == "anomaly") Assert.Contains("auroc_iw_nll", figures.Keys);
        foreach (var (name, value) in reference.Figures.Where(f => f.Key.EndsWith("_nats", StringComparison.Ordinal) || f.Key.EndsWith("_loss", StringComparison.Ordinal)
            || f.Key.StartsWith("auroc_", StringComparison.Ordinal) || f.Key.StartsWith("threshold_", StringComparison.Ordinal)))
            Assert.True(Math.Abs(value - figures[name]) <= 1e-3 * Math.Max(1, Math.Abs(value)), $"{name}: reference {value}, cluster {figures[name]}");

        // The workers were spread over both silos, so parameters and gradients crossed the gRPC data plane.
        Assert.Equal(2, status.WorkerSilos.Count);
    }

    [Fact]
    public async Task A_spec_the_cluster_cannot_run_is_refused_with_its_json_path_and_the_cluster_carries_on()
    {
        var registry = fixture.Cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key);
        int jobsBefore = (await registry.List()).Count;
        var bad = await registry.Submit(VaeSpec.Replace("\"steps\": 20", "\"steps\": -3"));
        Assert.False(bad.Accepted);
        Assert.Contains(bad.Errors, e => e.StartsWith("$.training.steps", StringComparison.Ordinal));
        var indivisible = await registry.Submit(VaeSpec.Replace("\"batchSize\": 128", "\"batchSize\": 130"));
        Assert.Contains(indivisible.Errors, e => e.StartsWith("$.training.batchSize", StringComparison.Ordinal));
        var unknown = await registry.Submit("""{ "apiVersion": "distgen/v1", "name": "d", "workload": "diffusion", "data": { "name": "mnist" } }""");
        Assert.Contains(unknown.Errors, e => e.StartsWith("$.workload", StringComparison.Ordinal));
        // Refused specs start nothing: the registry lists the same jobs as before.
        Assert.Equal(jobsBefore, (await registry.List()).Count);
    }

    // Workers find a silo's data plane through membership: an order naming a silo outside the cluster, even from a caller
    // holding the cluster secret, is refused by name and nothing is sent to the address inside that silo's name.
    [Fact]
    public async Task A_worker_ordered_to_use_a_silo_outside_the_cluster_reports_it_and_sends_nothing_there()
    {
        var submitted = await fixture.Cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(VaeSpec);
        Assert.True(submitted.Accepted, string.Join("; ", submitted.Errors));
        var worker = fixture.SiloSide.GetGrain<ITrainerWorkerGrain>(JobIds.Member(submitted.JobId!, 0));

        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var outsider = SiloAddress.New((System.Net.IPEndPoint)listener.LocalEndpoint, 1);
            var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => worker.Step(new WorkerStep(1, 0, outsider)));

            Assert.StartsWith("data plane: Unavailable", failure.Message);
            Assert.True(failure.Message.Contains($"silo {outsider} is not a member of the cluster"), failure.Message);
            Assert.False(listener.Pending(), "the worker connected to the outsider's address");
        }
        finally
        {
            listener.Stop();
        }
        Assert.Equal(JobState.Succeeded, (await JobRuns.WaitForAsync(fixture.Cluster.GrainFactory, submitted.JobId!, s => s.IsFinished)).State);
    }

    // Spread over 2 silos, workers 0 and 2 share one, 1 and 3 the other. With one gradient group per silo (the default the
    // registry chose) each silo's lead sums its pair there, so per round one tensor crosses to the coordinator's silo
    // (from the other silo's lead); with a group per worker, two do (workers on the other silo push their own).
    [Fact]
    public async Task Each_silo_sums_its_workers_gradients_so_one_tensor_per_round_crosses_to_the_coordinator()
    {
        var (grouped, groupedIn) = await RunCountingArrivalsAsync(VaeSpec);
        var (single, singleIn) = await RunCountingArrivalsAsync(VaeSpec.Replace("\"workers\": 4", "\"workers\": 4, \"gradientGroups\": 4"));

        var recorded = SpecLoader.Parse(File.ReadAllText(Path.Combine(TwoSiloCluster.ArtifactsRoot, grouped, "spec.json")));
        Assert.Equal(2, recorded.Spec.Cluster.GradientGroups);
        Assert.Equal(20, groupedIn);
        Assert.Equal(40, singleIn);

        // The same mean up to the rounding of the group sums.
        var job = SpecLoader.Parse(VaeSpec);
        var (a, b) = (ParametersIn(Path.Combine(TwoSiloCluster.ArtifactsRoot, grouped, "checkpoint.bin"), job, "vae"),
            ParametersIn(Path.Combine(TwoSiloCluster.ArtifactsRoot, single, "checkpoint.bin"), job, "vae"));
        double difference = a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(difference <= 1e-5, $"max |parameter difference| {difference:E3}");
    }

    // One group of two workers on different silos: the lead pulls its mate's gradient over gRPC. Its sum, rounded once,
    // then halved, has the very bits of the two gradients averaged at the coordinator, so the runs must agree exactly.
    [Fact]
    public async Task A_group_that_spans_both_silos_gives_the_bits_of_its_workers_sending_their_own()
    {
        string Spec(int groups) => CharLmSpec.Replace("\"workers\": 4", $"\"workers\": 2, \"gradientGroups\": {groups}")
            .Replace("\"steps\": 20", "\"steps\": 8");
        var (spanning, _) = await RunCountingArrivalsAsync(Spec(1));
        var (separate, _) = await RunCountingArrivalsAsync(Spec(2));
        Assert.Equal(2, (await fixture.Cluster.GrainFactory.GetGrain<IJobCoordinatorGrain>(spanning).GetStatus()).WorkerSilos.Count);

        var job = SpecLoader.Parse(Spec(1));
        Assert.Equal(ParametersIn(Path.Combine(TwoSiloCluster.ArtifactsRoot, separate, "checkpoint.bin"), job, "model"),
            ParametersIn(Path.Combine(TwoSiloCluster.ArtifactsRoot, spanning, "checkpoint.bin"), job, "model"));
    }

    // Orders to a group's lead come only from silos (a plain client is refused, ClientApiTests); even so, a lead sums only
    // its own group, and says which gradient is missing rather than pushing a partial sum.
    [Fact]
    public async Task A_lead_refuses_an_order_for_another_group_and_names_a_missing_gradient()
    {
        var submitted = await fixture.Cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(VaeSpec);
        Assert.True(submitted.Accepted, string.Join("; ", submitted.Errors));
        var jobId = submitted.JobId!;
        var running = await JobRuns.WaitForAsync(fixture.Cluster.GrainFactory, jobId, s => s.IsFinished || s.Members.Count == 4);
        var siloOf = fixture.Cluster.GetActiveSilos().ToDictionary(s => s.SiloAddress.ToString(), s => s.SiloAddress);
        var coordinator = siloOf[running.CoordinatorSilo!];
        var leadSilo = siloOf[running.Members.Single(m => m.Member == "worker 0").Silo];
        var lead = fixture.SiloSide.GetGrain<ITrainerWorkerGrain>(JobIds.Member(jobId, 0));

        var notLead = await Assert.ThrowsAsync<ArgumentException>(() => fixture.SiloSide.GetGrain<ITrainerWorkerGrain>(JobIds.Member(jobId, 1))
            .SumGroup(new GroupSum(1_000, coordinator, 0, 2, [new GroupMember(0, leadSilo), new GroupMember(2, leadSilo)])));
        Assert.Contains("worker 1 of 4 is not the lead of group 0 of 2", notLead.Message);
        var wrongMembers = await Assert.ThrowsAsync<ArgumentException>(() =>
            lead.SumGroup(new GroupSum(1_000, coordinator, 0, 2, [new GroupMember(0, leadSilo), new GroupMember(1, leadSilo)])));
        Assert.Contains("the order names workers [0, 1], but the group is workers [0, 2]", wrongMembers.Message);
        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            lead.SumGroup(new GroupSum(1_000, coordinator, 0, 2, [new GroupMember(0, leadSilo), new GroupMember(2, leadSilo)])));
        Assert.Contains("gradient group 0 of round 1000: the gradient of worker 0 is not in the store of silo", missing.Message);

        Assert.Equal(JobState.Succeeded, (await JobRuns.WaitForAsync(fixture.Cluster.GrainFactory, jobId, s => s.IsFinished)).State);
    }

    // Runs a spec to success; returns its job id and the tensors other silos pushed into its coordinator's silo meanwhile.
    private async Task<(string JobId, long Arrivals)> RunCountingArrivalsAsync(string spec)
    {
        var stores = fixture.SiloServices.ToDictionary(s => s.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString(), s => s.GetRequiredService<TensorStore>());
        var before = stores.ToDictionary(s => s.Key, s => s.Value.ReceivedTensors);
        var submitted = await fixture.Cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(spec);
        Assert.True(submitted.Accepted, string.Join("; ", submitted.Errors));
        var status = await JobRuns.WaitForAsync(fixture.Cluster.GrainFactory, submitted.JobId!, s => s.IsFinished);
        Assert.Equal(JobState.Succeeded, status.State);
        return (submitted.JobId!, stores[status.CoordinatorSilo!].ReceivedTensors - before[status.CoordinatorSilo!]);
    }

    private static float[] ParametersIn(string checkpoint, LoadedJob job, string moduleName)
    {
        var model = job.CreateRoundWorkload<IDataParallelWorkload>().CreateReplica();
        Checkpoint.LoadModules(checkpoint, new Dictionary<string, nn.Module> { [moduleName] = model });
        return ParameterVector.Flatten(model.parameters());
    }
}
