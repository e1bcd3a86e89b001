namespace DistGen.Training.Rl;

/// <summary>
/// Generalized advantage estimation (Schulman et al. 2016) over [T, N] rollouts with Gymnasium's two end flags:
/// a terminated step has next value 0, a truncated step bootstraps from the value of its true final state, and in both
/// cases the recursion stops at the episode boundary.
/// </summary>
public static class GeneralizedAdvantage
{
    /// <summary>Advantages A_t and returns A_t + V(s_t) of a rollout, both [T, N].</summary>
    public static (float[] Advantages, float[] Returns) Compute(TrajectoryBatch batch, double gamma, double lambda) =>
        Compute(batch.Steps, batch.Envs, batch.Rewards, batch.Values, batch.NextValues, batch.Terminated, batch.Truncated, gamma, lambda);

    /// <summary>
    /// Advantages and returns for row-major [T, N] arrays; <paramref name="nextValues"/>[t, n] is V(s_{t+1}) of the true
    /// next state (the final observation's value where the episode was truncated).
    /// </summary>
    public static (float[] Advantages, float[] Returns) Compute(int steps, int envs,
        ReadOnlySpan<float> rewards, ReadOnlySpan<float> values, ReadOnlySpan<float> nextValues,
        ReadOnlySpan<bool> terminated, ReadOnlySpan<bool> truncated, double gamma, double lambda)
    {
        int count = steps * envs;
        if (rewards.Length != count || values.Length != count || nextValues.Length != count || terminated.Length != count || truncated.Length != count)
            throw new ArgumentException($"every array must hold T*N = {steps}*{envs} = {count} values");
        var advantages = new float[count];
        var returns = new float[count];
        for (int n = 0; n < envs; n++)
        {
            double next = 0; // A_{t+1}, zero beyond the rollout
            for (int t = steps - 1; t >= 0; t--)
            {
                int i = t * envs + n;
                double notTerminated = terminated[i] ? 0 : 1;
                double notDone = terminated[i] || truncated[i] ? 0 : 1;
                // delta_t = r_t + gamma*V(s_{t+1})*(1-terminated_t) - V(s_t); A_t = delta_t + gamma*lambda*(1-done_t)*A_{t+1}
                double delta = rewards[i] + gamma * nextValues[i] * notTerminated - values[i];
                next = delta + gamma * lambda * notDone * next;
                advantages[i] = (float)next;
                returns[i] = (float)(next + values[i]);
            }
        }
        return (advantages, returns);
    }
}
