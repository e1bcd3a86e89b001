namespace DistGen.Training.Rl;

/// <summary>
/// One step of <see cref="VectorCartPole"/> for all N environments ("same-step" autoreset): where an episode ended,
/// <see cref="Observations"/> already holds the first observation of the next episode and
/// <see cref="FinalObservations"/> the true last one, from which a learner bootstraps a truncated episode.
/// </summary>
/// <param name="Observations">[N, 4] observations to act on next.</param>
/// <param name="FinalObservations">[N, 4] observations of the states reached by this step, before any reset.</param>
/// <param name="Rewards">[N] rewards of this step.</param>
/// <param name="Terminated">[N] the MDP ended (nothing to bootstrap).</param>
/// <param name="Truncated">[N] the time limit cut the episode (bootstrap from the final observation).</param>
/// <param name="FinishedEpisodes">Episodes that ended on this step.</param>
public sealed record VectorCartPoleStep(
    float[] Observations,
    float[] FinalObservations,
    float[] Rewards,
    bool[] Terminated,
    bool[] Truncated,
    IReadOnlyList<FinishedEpisode> FinishedEpisodes);
