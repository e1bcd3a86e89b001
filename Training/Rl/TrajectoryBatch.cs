namespace DistGen.Training.Rl;

/// <summary>
/// A rollout of T steps from N environments, stored row-major as [T, N] (index <c>t * N + n</c>; observations
/// [T, N, obs]), which is what a rollout actor hands to the learner.
/// </summary>
public sealed class TrajectoryBatch
{
    public TrajectoryBatch(int steps, int envs, int observationSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(envs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(observationSize, 1);
        Steps = steps;
        Envs = envs;
        ObservationSize = observationSize;
        int count = steps * envs;
        Observations = new float[count * observationSize];
        Actions = new int[count];
        LogProbs = new float[count];
        Values = new float[count];
        Rewards = new float[count];
        Terminated = new bool[count];
        Truncated = new bool[count];
        NextValues = new float[count];
    }

    /// <summary>T: steps per environment.</summary>
    public int Steps { get; }

    /// <summary>N: environments.</summary>
    public int Envs { get; }

    public int ObservationSize { get; }

    /// <summary>T * N transitions.</summary>
    public int Count => Steps * Envs;

    /// <summary>[T, N, obs] observations s_t the actions were chosen in.</summary>
    public float[] Observations { get; }

    /// <summary>[T, N] actions a_t.</summary>
    public int[] Actions { get; }

    /// <summary>[T, N] log pi_old(a_t|s_t) under the policy that acted.</summary>
    public float[] LogProbs { get; }

    /// <summary>[T, N] V_old(s_t) under the critic that acted.</summary>
    public float[] Values { get; }

    /// <summary>[T, N] rewards r_t.</summary>
    public float[] Rewards { get; }

    /// <summary>[T, N] the episode terminated at s_{t+1} (no bootstrap).</summary>
    public bool[] Terminated { get; }

    /// <summary>[T, N] the time limit cut the episode at s_{t+1} (bootstrap from <see cref="NextValues"/>).</summary>
    public bool[] Truncated { get; }

    /// <summary>
    /// [T, N] V_old(s_{t+1}) of the true next state: the next step's value inside an episode, the value of the final
    /// observation where the episode was truncated, the value of the state after the rollout at t = T-1.
    /// Read only where the episode did not terminate.
    /// </summary>
    public float[] NextValues { get; }

    /// <summary>Episodes that ended during this rollout.</summary>
    public List<FinishedEpisode> FinishedEpisodes { get; } = new();

    /// <summary>The policy version (learner update count) that collected this rollout.</summary>
    public long PolicyVersion { get; set; }
}
