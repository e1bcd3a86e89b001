using System.Diagnostics;
using DistGen.Training.Core;
using DistGen.Training.Rl;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Rl;

[Collection(SerialTorchCollection.Name)]
public sealed class PpoTests
{
    private static float[] TrainUpdates(long seed, int updates)
    {
        Seeding.Seed(seed);
        var policy = new ActorCritic(4, 2);
        var options = new PpoTrainingOptions();
        var learner = new PpoUpdate(policy, options, seed);
        var collector = new RolloutCollector(new VectorCartPole(options.Envs, seed), seed);
        for (int u = 0; u < updates; u++) learner.Update(collector.Collect(policy, options.RolloutSteps), 1.0 - u / 100.0);
        return ParameterVector.Flatten(policy.parameters());
    }

    [Fact]
    public void Same_seed_gives_identical_parameters_after_10_ppo_updates()
    {
        using var threads = new TorchThreads(1);
        var a = TrainUpdates(21, 10);
        var b = TrainUpdates(21, 10);
        var c = TrainUpdates(22, 10);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Rollout_bootstraps_truncated_episodes_from_the_value_of_the_final_observation()
    {
        using var threads = new TorchThreads(1);
        Seeding.Seed(4);
        var policy = new ActorCritic(4, 2);
        var envs = new VectorCartPole(2, 4);
        envs.Reset();
        var state = envs.SaveState().ToDictionary();
        state["0.elapsed"] = 498; // environment 0 hits the time limit on the second step
        envs.RestoreState(state);
        var replay = new VectorCartPole(2, 4);
        replay.RestoreState(state);

        var batch = new RolloutCollector(envs, 4).Collect(policy, 3);

        // Replaying the same actions recovers the final observation that the autoreset hid.
        replay.Step(batch.Actions.AsSpan(0, 2));
        var cut = replay.Step(batch.Actions.AsSpan(2, 2));
        Assert.True(batch.Truncated[2] && !batch.Terminated[2]);
        // Separate forward passes may differ in the last bits (the BLAS kernel depends on buffer alignment).
        Assert.Equal(policy.Values(cut.FinalObservations[0..4])[0], batch.NextValues[2], 1e-6f);
        Assert.NotEqual(batch.Values[4], batch.NextValues[2]); // not the value of the reset state
        // Inside an episode the next value is the next step's value; after the rollout, V of the state reached.
        Assert.Equal(batch.Values[2], batch.NextValues[0]);
        Assert.Equal(batch.Values[5], batch.NextValues[3]);
        Assert.Equal(policy.Values(envs.CurrentObservations())[1], batch.NextValues[5], 1e-6f);
    }

    [Fact]
    public void Learner_update_is_compute_gradients_then_apply_gradients_per_minibatch()
    {
        using var threads = new TorchThreads(1);
        var options = new PpoTrainingOptions { Epochs = 1 }; // one epoch of one minibatch of 256: one optimizer step
        Seeding.Seed(8);
        var policy = new ActorCritic(4, 2);
        var batch = new RolloutCollector(new VectorCartPole(options.Envs, 8), 8).Collect(policy, options.RolloutSteps);
        var initial = ParameterVector.Flatten(policy.parameters());

        var learner = new PpoUpdate(policy, options, 8);
        learner.Update(batch, 0.5);
        var viaUpdate = ParameterVector.Flatten(policy.parameters());

        ParameterVector.Assign(policy.parameters(), initial);
        var split = new PpoUpdate(policy, options, 8);
        var (advantages, returns) = GeneralizedAdvantage.Compute(batch, options.Gamma, options.GaeLambda);
        using (var scope = NewDisposeScope())
        {
            var order = Enumerable.Range(0, batch.Count).ToArray();
            split.MinibatchRandom.Shuffle(order);
            var minibatch = PpoMinibatch.FromRollout(batch, advantages, returns, CPU).Select(tensor(order.Select(i => (long)i).ToArray()));
            split.ComputeGradients(minibatch, split.ClipAt(0.5));
            split.ApplyGradients(split.LearningRateAt(0.5));
        }

        Assert.NotEqual(initial, viaUpdate);
        Assert.Equal(viaUpdate, ParameterVector.Flatten(policy.parameters()));
    }

    private sealed class ImmediateProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    [Fact]
    public void Cancelled_run_reports_progress_and_leaves_a_checkpoint_of_the_learner_and_environments()
    {
        using var threads = new TorchThreads(1);
        var directory = Path.Combine(Path.GetTempPath(), "distgen-ppo-cancel-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var cancellation = new CancellationTokenSource();
            var reports = new List<TrainingProgress>();
            var progress = new ImmediateProgress(p => { reports.Add(p); if (p.Step == 3) cancellation.Cancel(); });
            var training = new PpoTrainingOptions { TotalEnvSteps = 2560 }; // 10 updates, so every update reports
            var trainer = new PpoReferenceTrainer(new PpoModelOptions(), training);

            Assert.ThrowsAny<OperationCanceledException>(() => trainer.Run(new RunContext(directory, 5, CPU, progress, cancellation.Token)));

            Assert.Equal([1L, 2L, 3L], reports.Select(r => r.Step));
            Assert.All(reports, r => Assert.Equal(10, r.TotalSteps));
            var summary = TrainingSummary.Read(Path.Combine(directory, "summary.json"));
            Assert.Equal(3, summary.Steps);
            Assert.Equal(768, summary.Figures["env_steps"]);

            // The same three updates by hand, with the trainer's linear schedule, give the checkpointed state.
            Seeding.Seed(5);
            var expected = new ActorCritic(4, 2);
            var learner = new PpoUpdate(expected, training, 5);
            var collector = new RolloutCollector(new VectorCartPole(training.Envs, 5), 5);
            for (int update = 1; update <= 3; update++) learner.Update(collector.Collect(expected, training.RolloutSteps), 1.0 - (update - 1.0) / 10);

            var restored = new ActorCritic(4, 2);
            using var adam = AdamOptimizer.Adam(restored.parameters(), 1e-3);
            var counters = Checkpoint.Load(Path.Combine(directory, "checkpoint.bin"),
                new Dictionary<string, nn.Module> { ["policy"] = restored }, new Dictionary<string, AdamOptimizer> { ["adam"] = adam });
            Assert.Equal(ParameterVector.Flatten(expected.parameters()), ParameterVector.Flatten(restored.parameters()));
            Assert.Equal(3UL, counters[LearnerCheckpoint.RoundCounter]);
            Assert.Equal(learner.MinibatchRandom.State, counters["rng.minibatches"]);
            // One rollout actor (the default layout) holds all the environments and the single-process action stream.
            var actor = new RolloutCollector(new VectorCartPole(training.Envs, 0), 0);
            actor.RestoreState(counters.Where(c => c.Key.StartsWith("actor.0.", StringComparison.Ordinal)).ToDictionary(c => c.Key["actor.0.".Length..], c => c.Value));
            Assert.Equal(collector.ActionRandom.State, actor.ActionRandom.State);
            Assert.Equal(collector.Envs.CurrentObservations(), actor.Envs.CurrentObservations());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Ppo_reaches_mean_return_150_on_cartpole_in_a_short_seeded_run()
    {
        using var threads = new TorchThreads(1);
        var directory = Path.Combine(Path.GetTempPath(), "distgen-ppo-smoke-" + Guid.NewGuid().ToString("N"));
        try
        {
            var clock = Stopwatch.StartNew();
            var training = new PpoTrainingOptions { TotalEnvSteps = 30_000 };
            var summary = new PpoReferenceTrainer(new PpoModelOptions(), training).Run(RunContext.OnCpu(directory, 1));

            Assert.True(summary.Figures["mean_return_last_100"] >= 150, $"mean return of the last 100 episodes was {summary.Figures["mean_return_last_100"]}");
            Assert.Equal(30_208, summary.Figures["env_steps"]); // 118 rollouts of 8 x 32
            Assert.Equal(118, summary.Steps);
            foreach (var file in new[] { "metrics.csv", "returns.png", "loss.png", "checkpoint.bin", "summary.json" })
                Assert.True(File.Exists(Path.Combine(directory, file)), $"{file} was not written");
            Assert.Equal(119, File.ReadAllLines(Path.Combine(directory, "metrics.csv")).Length);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"took {clock.Elapsed}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
