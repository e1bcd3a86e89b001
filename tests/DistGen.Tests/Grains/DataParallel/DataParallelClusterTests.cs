using DistGen.Contracts.Jobs;
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

    [Theory]
    [InlineData(VaeSpec, "vae")]
    [InlineData(CharLmSpec, "model")]
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
        if (moduleName == "vae") Assert.Contains("test_nll_iw_nats", figures.Keys);
        foreach (var (name, value) in reference.Figures.Where(f => f.Key.EndsWith("_nats", StringComparison.Ordinal) || f.Key.EndsWith("_loss", StringComparison.Ordinal)))
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

    private static float[] ParametersIn(string checkpoint, LoadedJob job, string moduleName)
    {
        var model = job.CreateRoundWorkload<IDataParallelWorkload>().CreateReplica();
        Checkpoint.LoadModules(checkpoint, new Dictionary<string, nn.Module> { [moduleName] = model });
        return ParameterVector.Flatten(model.parameters());
    }
}
