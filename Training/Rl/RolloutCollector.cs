using DistGen.Training.Core;

namespace DistGen.Training.Rl;

/// <summary>
/// Runs a policy in a <see cref="VectorCartPole"/> for T steps and records the transitions as a <see cref="TrajectoryBatch"/>,
/// including the values needed to bootstrap truncated episodes. Action sampling uses its own SplitMix64 stream
/// (<c>Seeding.Derive(seed, actionStream)</c>), so rollouts are reproducible and checkpointable. Episodes continue across calls.
/// </summary>
public sealed class RolloutCollector(VectorCartPole envs, long seed, string actionStream = "actions")
{
    private const string ActionStateName = "actions.rng";

    public VectorCartPole Envs { get; } = envs;

    /// <summary>The action-sampling stream; save and restore its <see cref="SplitMix64.State"/> with a checkpoint.</summary>
    public SplitMix64 ActionRandom { get; } = new(Seeding.Derive(seed, actionStream));

    /// <summary>The environments' state and the action stream's, as named words (see <see cref="VectorCartPole.SaveState"/>).</summary>
    public Dictionary<string, ulong> SaveState() => new(Envs.SaveState()) { [ActionStateName] = ActionRandom.State };

    /// <summary>Continues exactly from a state written by <see cref="SaveState"/>.</summary>
    public void RestoreState(IReadOnlyDictionary<string, ulong> state)
    {
        if (!state.TryGetValue(ActionStateName, out var actions)) throw new InvalidDataException($"the saved rollout state has no '{ActionStateName}'");
        Envs.RestoreState(state);
        ActionRandom.State = actions;
    }

    public TrajectoryBatch Collect(ActorCritic policy, int steps)
    {
        int n = Envs.Count;
        int obsSize = VectorCartPole.ObservationSize;
        var batch = new TrajectoryBatch(steps, n, obsSize);
        var observations = Envs.Started ? Envs.CurrentObservations() : Envs.Reset();
        for (int t = 0; t < steps; t++)
        {
            var decision = policy.Act(observations, ActionRandom);
            int row = t * n;
            observations.CopyTo(batch.Observations, row * obsSize);
            decision.Actions.CopyTo(batch.Actions, row);
            decision.LogProbs.CopyTo(batch.LogProbs, row);
            decision.Values.CopyTo(batch.Values, row);
            if (t > 0) FillNextValues(batch, t - 1, decision.Values);

            var step = Envs.Step(decision.Actions);
            step.Rewards.CopyTo(batch.Rewards, row);
            step.Terminated.CopyTo(batch.Terminated, row);
            step.Truncated.CopyTo(batch.Truncated, row);
            BootstrapTruncated(batch, t, policy, step);
            batch.FinishedEpisodes.AddRange(step.FinishedEpisodes);
            observations = step.Observations;
        }
        FillNextValues(batch, steps - 1, policy.Values(observations));
        return batch;
    }

    /// <summary>V(s_{t+1}) for environments that went on after step t: the value of the observation they continued from.</summary>
    private static void FillNextValues(TrajectoryBatch batch, int t, float[] nextValues)
    {
        for (int e = 0; e < batch.Envs; e++)
        {
            int i = t * batch.Envs + e;
            if (!batch.Terminated[i] && !batch.Truncated[i]) batch.NextValues[i] = nextValues[e];
        }
    }

    /// <summary>V of the true final observation for environments cut by the time limit at step t (the reset hides it).</summary>
    private static void BootstrapTruncated(TrajectoryBatch batch, int t, ActorCritic policy, VectorCartPoleStep step)
    {
        int obsSize = batch.ObservationSize;
        var cut = Enumerable.Range(0, batch.Envs).Where(e => step.Truncated[e] && !step.Terminated[e]).ToArray();
        if (cut.Length == 0) return;
        var finals = new float[cut.Length * obsSize];
        for (int k = 0; k < cut.Length; k++) step.FinalObservations.AsSpan(cut[k] * obsSize, obsSize).CopyTo(finals.AsSpan(k * obsSize));
        var values = policy.Values(finals);
        for (int k = 0; k < cut.Length; k++) batch.NextValues[t * batch.Envs + cut[k]] = values[k];
    }
}
