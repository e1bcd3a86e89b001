namespace DistGen.Training.Rlhf;

/// <summary>What a round of an RLHF run is: one reward-model step or one PPO update of an iteration.</summary>
/// <param name="Iteration">1-based iteration of sample, label, reward model and PPO.</param>
/// <param name="IsRewardModelStep">True for a reward-model step, false for a PPO update.</param>
/// <param name="Step">1-based step of the reward model, or update of PPO, within the iteration.</param>
/// <param name="StartsIteration">Comparisons are sampled and labelled before this round (the iteration's first reward-model step).</param>
/// <param name="EndsRewardModel">The reward model is measured on the held-out comparisons after this round.</param>
/// <param name="EndsIteration">The policy is evaluated on the held-out prompts after this round.</param>
public readonly record struct RlhfRound(int Iteration, bool IsRewardModelStep, int Step, bool StartsIteration, bool EndsRewardModel, bool EndsIteration)
{
    /// <summary>
    /// Round <paramref name="round"/> (1-based) of a run whose iterations each have <paramref name="rewardSteps"/> reward-model
    /// steps followed by <paramref name="ppoUpdates"/> PPO updates.
    /// </summary>
    public static RlhfRound Of(long round, int rewardSteps, int ppoUpdates)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(round, 1);
        int perIteration = rewardSteps + ppoUpdates;
        int iteration = checked((int)((round - 1) / perIteration)) + 1;
        int within = (int)((round - 1) % perIteration) + 1;
        bool reward = within <= rewardSteps;
        return new RlhfRound(iteration, reward, reward ? within : within - rewardSteps, within == 1, within == rewardSteps, within == perIteration);
    }
}
