using DistGen.Contracts.Jobs;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using DistGen.Training.Gan;
using DistGen.Training.Specs;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;
using static TorchSharp.torch;

namespace DistGen.Tests.Grains.Jobs;

/// <summary>
/// A job whose coordinator's silo leaves mid-run (data-parallel VAE, split GAN): the coordinator stops after a
/// checkpoint, the next activation on the remaining silo takes the run over from that checkpoint, and the job ends
/// bit-identical to an uninterrupted run of the same job on the same cluster (and, for the VAE, within 1e-5 of the
/// reference trainer; a 600-round GAN amplifies the reference's different summation order chaotically, so its
/// reference comparison lives in GanClusterTests on short runs).
/// Runs on a cluster of its own (one of its silos is stopped), in the fixture's collection so the two never overlap.
/// </summary>
[Collection(TwoSiloClusterCollection.Name)]
public sealed class CoordinatorTakeoverTests : IAsyncLifetime
{
    private readonly string _reference = Directory.CreateTempSubdirectory("distgen-takeover-reference-").FullName;
    private TestCluster _cluster = null!;

    private const string VaeSpec = """
        { "apiVersion": "distgen/v1", "name": "vae-takeover", "workload": "vae", "seed": 21,
          "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 128, "latentSize": 8 },
          "training": { "steps": 80, "batchSize": 64, "trainLimit": 4000, "testLimit": 300, "logEvery": 4, "evalEvery": 40 },
          "cluster": { "workers": 2, "checkpointEvery": 1000 } }
        """;

    // Split GAN rounds are short: more of them, so the silo leaves mid-run. A GAN round changes D before G, so a
    // coordinator that must stop in the middle of one cannot checkpoint it; the takeover then continues from the last
    // periodic checkpoint (every 50 rounds here), which the test waits for.
    private const string GanSpec = """
        { "apiVersion": "distgen/v1", "name": "gan-takeover", "workload": "gan", "seed": 22,
          "data": { "name": "ring8" },
          "model": { "latentSize": 8, "hiddenSize": 32, "layers": 2 },
          "training": { "steps": 600, "batchSize": 64, "logEvery": 4, "evalEvery": 300 },
          "cluster": { "workers": 2, "checkpointEvery": 50 } }
        """;

    public async Task InitializeAsync() => _cluster = await TwoSiloCluster.StartAsync();

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        Directory.Delete(_reference, recursive: true);
    }

    [Theory]
    [InlineData(VaeSpec)]
    [InlineData(GanSpec)]
    public async Task A_job_whose_coordinator_silo_leaves_mid_run_continues_from_a_checkpoint_and_equals_an_uninterrupted_run(string spec)
    {
        var uninterrupted = await JobRuns.SubmitAndWaitAsync(_cluster.GrainFactory, spec);
        Assert.True(uninterrupted.State == JobState.Succeeded, $"{uninterrupted.State}: {uninterrupted.Message}");

        var leaving = _cluster.SecondarySilos[0];
        // Place the registry and the coordinator on the silo that will leave (the primary holds the test membership).
        RequestContext.Set(IPlacementDirector.PlacementHintKey, leaving.SiloAddress);
        var submitted = await _cluster.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(spec);
        RequestContext.Clear();
        Assert.True(submitted.Accepted, string.Join("; ", submitted.Errors));

        // The VAE checkpoints only when its coordinator leaves (checkpointEvery is beyond the run), the GAN every 50 rounds.
        long checkpointed = spec == GanSpec ? 50 : 10;
        var status = await JobRuns.WaitForAsync(_cluster.GrainFactory, submitted.JobId!, s => s.Round >= checkpointed + 10 || s.IsFinished);
        Assert.Equal(JobState.Running, status.State);
        Assert.Equal(leaving.SiloAddress.ToString(), status.CoordinatorSilo);
        var stoppedAt = DateTimeOffset.UtcNow;
        await _cluster.StopSiloAsync(leaving);

        var final = await JobRuns.WaitForAsync(_cluster.GrainFactory, submitted.JobId!, s => s.IsFinished);
        Assert.True(final.State == JobState.Succeeded, $"{final.State}: {final.Message}");
        var job = SpecLoader.Parse(spec);
        Assert.Equal(job.Spec.Workload == "gan" ? 600 : 80, final.Round);
        Assert.Equal(1, final.Takeovers);
        // It continued from a checkpoint: the one the leaving VAE coordinator wrote (checkpointEvery alone gives none),
        // the GAN's last periodic one or a later one.
        Assert.True(final.ContinuedFromRound >= checkpointed, $"continued from round {final.ContinuedFromRound}");
        Assert.Equal(_cluster.Primary!.SiloAddress.ToString(), final.CoordinatorSilo);

        var folder = Path.Combine(TwoSiloCluster.ArtifactsRoot, submitted.JobId!);
        var actual = ParametersIn(Path.Combine(folder, "checkpoint.bin"), job);
        var expected = ParametersIn(Path.Combine(TwoSiloCluster.ArtifactsRoot, uninterrupted.JobId, "checkpoint.bin"), job);
        foreach (var (name, parameters) in expected) Assert.Equal(parameters, actual[name]);
        if (job.Spec.Workload == "vae")
        {
            job.Workload.CreateReferenceTrainer(job).Run(RunContext.OnCpu(_reference, job.Spec.Seed));
            var reference = ParametersIn(Path.Combine(_reference, "checkpoint.bin"), job);
            double difference = reference["vae"].Zip(actual["vae"]).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(difference <= 1e-5, $"max |parameter difference| from the reference {difference:E3}");
        }
        // The wall time is the whole job's, not only the part after the takeover.
        var summary = TrainingSummary.Read(Path.Combine(folder, "summary.json"));
        Assert.InRange(summary.WallSeconds, (stoppedAt - final.SubmittedAt).TotalSeconds, (final.FinishedAt!.Value - final.SubmittedAt).TotalSeconds);
        // metrics.csv has every logged round once, in order, across the takeover.
        var steps = File.ReadAllLines(Path.Combine(folder, "metrics.csv")).Skip(1).Select(line => long.Parse(line.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(Enumerable.Range(1, (int)final.Round / 4).Select(i => (long)i * 4), steps);
    }

    // The job's networks by their checkpoint names, loaded from a checkpoint and flattened.
    private static Dictionary<string, float[]> ParametersIn(string checkpoint, LoadedJob job)
    {
        Dictionary<string, nn.Module> modules = job.Spec.Workload == "gan"
            ? new() { ["generator"] = job.CreateRoundWorkload<SplitGanWorkload>().CreateGenerator(), ["discriminator"] = job.CreateRoundWorkload<SplitGanWorkload>().CreateDiscriminator() }
            : new() { ["vae"] = job.CreateRoundWorkload<IDataParallelWorkload>().CreateReplica() };
        Checkpoint.LoadModules(checkpoint, modules);
        return modules.ToDictionary(m => m.Key, m => ParameterVector.Flatten(m.Value.parameters()));
    }
}
