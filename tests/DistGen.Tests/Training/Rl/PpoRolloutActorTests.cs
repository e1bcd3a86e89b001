using DistGen.Training.Core;
using DistGen.Training.Rl;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Rl;

[Collection(SerialTorchCollection.Name)]
public sealed class PpoRolloutActorTests
{
    private const double Gamma = 0.9;
    private const double Lambda = 0.8; // gamma*lambda = 0.72

    /// <summary>A [T, 1] rollout of one environment, built by hand.</summary>
    private static TrajectoryBatch Rollout(long version, float[] values, float[] nextValues, bool[] terminated, bool[] truncated)
    {
        int steps = values.Length;
        var batch = new TrajectoryBatch(steps, 1, VectorCartPole.ObservationSize) { PolicyVersion = version };
        for (int t = 0; t < steps; t++)
        {
            batch.Rewards[t] = 1;
            batch.Values[t] = values[t];
            batch.NextValues[t] = nextValues[t];
            batch.Terminated[t] = terminated[t];
            batch.Truncated[t] = truncated[t];
            batch.Observations[t * 4] = 0.01f * t;
            if (terminated[t] || truncated[t]) batch.FinishedEpisodes.Add(new FinishedEpisode(0, 10 + t, 10 + t));
        }
        return batch;
    }

    /// <summary>Through the data plane's encoding and back, as the learner receives a batch from an actor grain.</summary>
    private static TrajectoryBatch OverTheWire(TrajectoryBatch batch)
    {
        var (shape, data) = TrajectoryWire.Encode(batch);
        return TrajectoryWire.Decode(shape, data, batch.Steps, batch.Envs, batch.PolicyVersion);
    }

    [Fact]
    public void Advantages_assembled_from_two_actors_across_two_rollouts_match_the_hand_computed_ones()
    {
        // Actor 0's episode runs through both rollouts: rollout 1 ends inside it and bootstraps from V(s_2) = 0.7, the
        // value rollout 2 starts from; it terminates at rollout 2's first step. Actor 1's episode is truncated at its
        // first step (true final state worth 0.9), and a new one starts from a state worth 0.1.
        var actor0First = OverTheWire(Rollout(0, [0.5f, 0.6f], [0.6f, 0.7f], [false, false], [false, false]));
        var actor1First = OverTheWire(Rollout(0, [0.4f, 0.1f], [0.9f, 0.2f], [false, false], [true, false]));
        var actor0Second = OverTheWire(Rollout(1, [0.7f, 0.2f], [5f, 0.3f], [true, false], [false, false]));
        var first = TrajectoryAssembly.SideBySide([actor0First, actor1First]);

        var (advantages, returns) = GeneralizedAdvantage.Compute(first, Gamma, Lambda);
        var (secondAdvantages, _) = GeneralizedAdvantage.Compute(actor0Second, Gamma, Lambda);

        // [T = 2, N = 2], index t*2 + n. delta_t = r + 0.9*V(s_{t+1})*(1-terminated) - V(s_t); A_t = delta_t + 0.72*(1-done)*A_{t+1}
        // env 0: t=1 delta = 1 + 0.9*0.7 - 0.6 = 1.03 (bootstrap across the rollout boundary); t=0 A = 1.04 + 0.72*1.03 = 1.7816
        // env 1: t=1 delta = 1 + 0.9*0.2 - 0.1 = 1.08; t=0 truncated: A = 1 + 0.9*0.9 - 0.4 = 1.41, nothing carried from t=1
        float[] expected = [1.7816f, 1.41f, 1.03f, 1.08f];
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(expected[i], advantages[i], 1e-6f);
            Assert.Equal(expected[i] + first.Values[i], returns[i], 1e-6f);
        }
        // Rollout 2, env 0: t=0 terminated: A = 1 - 0.7 = 0.3 (its next value 5 is ignored); t=1: A = 1 + 0.9*0.3 - 0.2 = 1.07
        Assert.Equal(0.3f, secondAdvantages[0], 1e-6f);
        Assert.Equal(1.07f, secondAdvantages[1], 1e-6f);
        // The truncated episode is actor 1's: in the global batch it is environment 1.
        Assert.Equal([new FinishedEpisode(1, 10, 10)], first.FinishedEpisodes);
        // Row (t=1, n=1) of the global batch is actor 1's step 1.
        Assert.Equal(actor1First.Observations[4..8], first.Observations[(3 * 4)..(4 * 4)]);
    }

    [Fact]
    public void An_actor_runs_the_same_environments_as_the_same_slice_of_one_process()
    {
        var all = new VectorCartPole(8, 3);
        var layout = new RolloutActorLayout(2, 8);
        var second = layout.CreateCollector(1, 3);

        var together = all.Reset();
        var alone = second.Envs.Reset();

        Assert.Equal(together[(4 * 4)..], alone);
        Assert.Equal(4, layout.EnvsPerActor);
        Assert.NotEqual(layout.CreateCollector(0, 3).ActionRandom.State, second.ActionRandom.State);
        Assert.Throws<ArgumentException>(() => new RolloutActorLayout(3, 8));
    }

    [Fact]
    public void Reference_with_two_actors_is_the_two_actors_collecting_in_turn_then_one_update_on_their_batches_side_by_side()
    {
        var directory = Directory.CreateTempSubdirectory("distgen-ppo-actors-").FullName;
        try
        {
            var training = new PpoTrainingOptions { TotalEnvSteps = 512 }; // 2 updates of 8 envs x 32 steps
            new PpoReferenceTrainer(new PpoModelOptions(), training, actors: 2).Run(RunContext.OnCpu(directory, 6));

            var workload = new PpoWorkload(new PpoModelOptions(), training, 2, 6);
            var policy = workload.CreatePolicy();
            var learner = new PpoUpdate(policy, training, 6);
            var actors = new[] { workload.CreateCollector(0), workload.CreateCollector(1) };
            for (int update = 1; update <= 2; update++)
            {
                var parts = actors.Select(a => a.Collect(policy, training.RolloutSteps)).ToList();
                learner.Update(TrajectoryAssembly.SideBySide(parts), 1.0 - (update - 1.0) / 2);
            }

            var restored = workload.CreatePolicy();
            Checkpoint.LoadModules(Path.Combine(directory, "checkpoint.bin"), new Dictionary<string, nn.Module> { ["policy"] = restored });
            Assert.Equal(ParameterVector.Flatten(policy.parameters()), ParameterVector.Flatten(restored.parameters()));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Bad_trajectories_are_refused_with_a_named_fault_and_the_learner_carries_on()
    {
        var directory = Directory.CreateTempSubdirectory("distgen-ppo-refuse-").FullName;
        try
        {
            var training = new PpoTrainingOptions { TotalEnvSteps = 512, Envs = 4, MinibatchSize = 64 };
            var workload = new PpoWorkload(new PpoModelOptions(), training, 2, 9);
            using var learner = workload.CreateLearner(RunContext.OnCpu(directory, 9));
            var actors = new[] { workload.CreateCollector(0), workload.CreateCollector(1) };
            var good = actors.Select(a => a.Collect(learner.Policy, training.RolloutSteps)).ToList();
            var (shape, data) = TrajectoryWire.Encode(good[0]);

            var shortData = Assert.Throws<InvalidTrajectoryException>(() => learner.ReceiveEncoded(shape, data[..^1], 0));
            Assert.Equal(TrajectoryFault.InconsistentLengths, shortData.Fault);
            var otherShape = Assert.Throws<InvalidTrajectoryException>(() => learner.ReceiveEncoded([16, 4, TrajectoryWire.Width], data, 0));
            Assert.Equal(TrajectoryFault.InconsistentLengths, otherShape.Fault);
            var nanReward = (float[])data.Clone();
            nanReward[3 * TrajectoryWire.Width + 7] = float.NaN; // transition 3's reward
            Assert.Equal(TrajectoryFault.NonFiniteValues, Assert.Throws<InvalidTrajectoryException>(() => learner.ReceiveEncoded(shape, nanReward, 0)).Fault);
            var infiniteReward = Rollout(0, new float[training.RolloutSteps], new float[training.RolloutSteps], new bool[training.RolloutSteps], new bool[training.RolloutSteps]);
            var wide = TrajectoryAssembly.SideBySide([infiniteReward, infiniteReward]);
            wide.Rewards[5] = float.PositiveInfinity;
            Assert.Equal(TrajectoryFault.NonFiniteValues, Assert.Throws<InvalidTrajectoryException>(() => learner.Receive(wide)).Fault);
            Assert.Equal(TrajectoryFault.UnknownPolicyVersion, Assert.Throws<InvalidTrajectoryException>(() => learner.ReceiveEncoded(shape, data, 7)).Fault);
            Assert.Equal(TrajectoryFault.UnknownPolicyVersion, Assert.Throws<InvalidTrajectoryException>(() => learner.ReceiveEncoded(shape, data, -1)).Fault);

            // The good batches of the same round are still trained on; the refusals are counted.
            var accepted = good.Select(b => learner.Receive(b)).ToList();
            var before = ParameterVector.Flatten(learner.Policy.parameters());
            var row = learner.Update(1, good);

            Assert.All(accepted, Assert.True);
            Assert.Equal(1, learner.Version);
            Assert.NotEqual(before, ParameterVector.Flatten(learner.Policy.parameters()));
            Assert.Equal(6, row["refused_batches"]);
            Assert.Equal(2 * 2 * 32, row["env_steps"]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Async_learner_trains_on_batches_within_the_lag_and_drops_and_counts_older_ones()
    {
        var directory = Directory.CreateTempSubdirectory("distgen-ppo-lag-").FullName;
        try
        {
            var training = new PpoTrainingOptions { TotalEnvSteps = 4096, Envs = 4, MinibatchSize = 128, Mode = PpoTrainingOptions.AsyncMode, MaxPolicyLag = 1 };
            var workload = new PpoWorkload(new PpoModelOptions(), training, 1, 2);
            using var learner = workload.CreateLearner(RunContext.OnCpu(directory, 2));
            var actor = workload.CreateCollector(0);
            TrajectoryBatch Collect() { var b = actor.Collect(learner.Policy, training.RolloutSteps); b.PolicyVersion = learner.Version; return b; }

            var fromVersion0 = Collect();
            Assert.True(learner.Receive(fromVersion0));
            learner.Update(1, [fromVersion0]);
            var stillVersion0 = Collect();
            stillVersion0.PolicyVersion = 0; // collected by an actor that had not seen version 1 yet: lag 1
            Assert.True(learner.Receive(stillVersion0));
            var row = learner.Update(2, [stillVersion0]);
            var lagging = Collect();
            lagging.PolicyVersion = 0; // lag 2 > 1
            Assert.False(learner.Receive(lagging));

            Assert.Equal(1, row["policy_lag_mean"]);
            var summary = learner.Finish(1, [actor.SaveState()]);
            Assert.Equal(1, summary.Figures["policy_lag_0_batches"]);
            Assert.Equal(1, summary.Figures["policy_lag_1_batches"]);
            Assert.Equal(1, summary.Figures["dropped_stale_batches"]);
            Assert.Equal(3 * 4 * 32, summary.Figures["env_steps"]); // the dropped batch's steps happened too
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Learner_resumed_from_its_checkpoint_continues_exactly()
    {
        var directory = Directory.CreateTempSubdirectory("distgen-ppo-resume-").FullName;
        try
        {
            var training = new PpoTrainingOptions { TotalEnvSteps = 1024, Envs = 4, MinibatchSize = 128 };
            var workload = new PpoWorkload(new PpoModelOptions(), training, 2, 4);
            float[] RunRounds(PpoLearner learner, RolloutCollector[] actors, long from, long to)
            {
                for (long round = from; round <= to; round++)
                {
                    var batches = actors.Select(a => { var b = a.Collect(learner.Policy, training.RolloutSteps); b.PolicyVersion = learner.Version; return b; }).ToList();
                    Assert.All(batches, b => Assert.True(learner.Receive(b)));
                    learner.Update(round, batches);
                }
                return ParameterVector.Flatten(learner.Policy.parameters());
            }

            float[] straight;
            using (var learner = workload.CreateLearner(RunContext.OnCpu(Path.Combine(directory, "straight"), 4)))
                straight = RunRounds(learner, [workload.CreateCollector(0), workload.CreateCollector(1)], 1, 4);

            var split = RunContext.OnCpu(Path.Combine(directory, "split"), 4);
            using (var learner = workload.CreateLearner(split))
            {
                var actors = new[] { workload.CreateCollector(0), workload.CreateCollector(1) };
                RunRounds(learner, actors, 1, 2);
                learner.SaveCheckpoint(2, actors.Select(a => (IReadOnlyDictionary<string, ulong>)a.SaveState()).ToList());
                RunRounds(learner, actors, 3, 3); // a round after the checkpoint, lost with the process
            }
            using (var learner = workload.CreateLearner(split))
            {
                var (round, states) = learner.Resume();
                var actors = new[] { workload.CreateCollector(0), workload.CreateCollector(1) };
                for (int a = 0; a < 2; a++) actors[a].RestoreState(states![a]);
                Assert.Equal(2, round);
                var resumed = RunRounds(learner, actors, 3, 4);
                // Restored tensors sit at other addresses, and the BLAS kernels' summation order follows alignment.
                Assert.True(straight.Zip(resumed).Max(p => Math.Abs(p.First - p.Second)) <= 1e-6f);
                Assert.NotEqual(straight, ParameterVector.Flatten(workload.CreatePolicy().parameters()));
            }
            Assert.Equal(5, File.ReadAllLines(Path.Combine(directory, "split", "metrics.csv")).Length);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
