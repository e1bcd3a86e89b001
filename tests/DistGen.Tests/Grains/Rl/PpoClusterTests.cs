using DistGen.Contracts.Jobs;
using DistGen.Tests.Grains.Jobs;
using DistGen.Tests.Training.TorchSafety;
using DistGen.Training.Core;
using DistGen.Training.Rl;
using DistGen.Training.Specs;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DistGen.Tests.Grains.Rl;

[Collection(TwoSiloClusterCollection.Name)]
public sealed class PpoClusterTests(TwoSiloCluster fixture, ITestOutputHelper output) : IDisposable
{
    private readonly string _reference = Directory.CreateTempSubdirectory("distgen-ppo-reference-").FullName;

    public void Dispose() => Directory.Delete(_reference, recursive: true);

    private static string Spec(string name, long totalEnvSteps, string mode, int seed = 3) => $$"""
        { "apiVersion": "distgen/v1", "name": "{{name}}", "workload": "ppo", "seed": {{seed}},
          "data": { "name": "cartpole" },
          "training": { "totalEnvSteps": {{totalEnvSteps}}, "envs": 8, "rolloutSteps": 32, "minibatchSize": 256, "mode": "{{mode}}", "maxPolicyLag": 1 },
          "cluster": { "workers": 2, "threads": 1 } }
        """;

    [Fact]
    public async Task Sync_run_with_2_rollout_actors_equals_the_reference_trainer_after_3_updates()
    {
        var spec = Spec("ppo-sync", 3 * 256, "sync");
        var (jobId, status) = await Run(spec);
        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Equal(3, status.Round);

        var job = SpecLoader.Parse(spec);
        job.Workload.CreateReferenceTrainer(job).Run(RunContext.OnCpu(_reference, job.Spec.Seed));
        var expected = PolicyIn(Path.Combine(_reference, "checkpoint.bin"), job);
        var actual = PolicyIn(Path.Combine(TwoSiloCluster.ArtifactsRoot, jobId, "checkpoint.bin"), job);
        double difference = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        output.WriteLine($"max |parameter difference| after 3 updates: {difference:E3}");
        Assert.True(difference <= 1e-5, $"max |parameter difference| {difference:E3}");
        Assert.NotEqual(PolicyOf(job).Select(v => (double)v), actual.Select(v => (double)v)); // it trained

        // The actors were spread over both silos, so parameters and trajectories crossed the gRPC data plane.
        Assert.Equal(2, status.WorkerSilos.Count);
        Assert.Equal(["actor 0", "actor 1"], status.Members.Select(m => m.Member));
        Assert.Equal(768, status.Metrics["env_steps"]);
    }

    [Fact]
    public async Task Seeded_sync_run_on_the_cluster_reaches_a_mean_return_of_150()
    {
        var (jobId, status) = await Run(Spec("ppo-learns", 30_000, "sync", seed: 1));

        Assert.Equal(JobState.Succeeded, status.State);
        output.WriteLine($"mean return of the last 100 episodes after {status.Metrics["env_steps"]} env steps: {status.Metrics["mean_return_last_100"]}");
        Assert.True(status.Metrics["mean_return_last_100"] >= 150, $"mean return of the last 100 episodes was {status.Metrics["mean_return_last_100"]}");
        foreach (var file in new[] { "metrics.csv", "returns.png", "loss.png", "checkpoint.bin", "summary.json" })
            Assert.True(File.Exists(Path.Combine(TwoSiloCluster.ArtifactsRoot, jobId, file)), $"{file} was not written");
    }

    [Fact]
    public async Task Async_run_trains_on_batches_at_most_the_max_policy_lag_old_and_records_the_lags()
    {
        const int rounds = 12;
        var (jobId, status) = await Run(Spec("ppo-async", rounds * 256, "async"));

        Assert.Equal(JobState.Succeeded, status.State);
        var summary = TrainingSummary.Read(Path.Combine(TwoSiloCluster.ArtifactsRoot, jobId, "summary.json"));
        // Two actor batches per update, each 0 or 1 versions behind (maxPolicyLag 1): nothing older was trained on.
        Assert.Equal(2 * rounds, summary.Figures["policy_lag_0_batches"] + summary.Figures["policy_lag_1_batches"]);
        Assert.False(summary.Figures.ContainsKey("policy_lag_2_batches"));
        // Orders issued while version v is being trained carry v-1: the actors ran ahead of the learner.
        Assert.True(summary.Figures["policy_lag_1_batches"] > 0);
        output.WriteLine(string.Join(", ", summary.Figures.Select(f => $"{f.Key} {f.Value:G4}")));
        Assert.Equal(0, summary.Figures["refused_batches"]);
        Assert.True(summary.Figures["env_steps"] >= rounds * 256);
    }

    [Fact]
    public async Task Async_runs_succeed_while_another_thread_forces_garbage_collections()
    {
        // What crashed the async example in 3 of 9 runs: rollout actors allocate while the learner steps, and a collection
        // freed a Scalar libtorch was still reading. Here collections are forced continuously, on both silos' process.
        // Two seeds of 16 updates (minutes each with one of two cores collecting non-stop): every update overlaps the
        // learner's step with the actors' sampling, where the freed Scalar struck.
        long collections = 0;
        for (int run = 1; run <= 2; run++)
        {
            // Submitted first: the submission is not what this attacks. The limit only guards against a hang, so it allows a loaded machine.
            var jobId = await JobRuns.SubmitAsync(fixture.Cluster.GrainFactory, Spec($"ppo-async-gc-{run}", 16 * 256, "async", seed: run));
            using var pressure = new CollectionPressure();
            var status = await JobRuns.WaitForAsync(fixture.Cluster.GrainFactory, jobId, s => s.IsFinished, TimeSpan.FromMinutes(8));
            collections += pressure.Collections;
            Assert.True(status.State == JobState.Succeeded, $"run {run}: {status.State}: {status.Message}");
            Assert.Equal(16, status.Round);
        }
        output.WriteLine($"{collections} forced collections during 2 async runs");
    }

    private async Task<(string JobId, JobStatus Status)> Run(string spec)
    {
        var status = await JobRuns.SubmitAndWaitAsync(fixture.Cluster.GrainFactory, spec);
        return (status.JobId, status);
    }

    private static PpoWorkload Workload(LoadedJob job) => job.CreateRoundWorkload<PpoWorkload>();

    private static float[] PolicyOf(LoadedJob job) => ParameterVector.Flatten(Workload(job).CreatePolicy().parameters());

    private static float[] PolicyIn(string checkpoint, LoadedJob job)
    {
        var policy = Workload(job).CreatePolicy();
        Checkpoint.LoadModules(checkpoint, new Dictionary<string, nn.Module> { ["policy"] = policy });
        return ParameterVector.Flatten(policy.parameters());
    }
}
