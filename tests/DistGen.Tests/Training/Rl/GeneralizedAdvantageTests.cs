using DistGen.Training.Rl;

namespace DistGen.Tests.Training.Rl;

public sealed class GeneralizedAdvantageTests
{
    private const double Gamma = 0.9;
    private const double Lambda = 0.8; // gamma*lambda = 0.72

    // Row-major [T = 4, N = 2]: index t*2 + n.
    // env 0: r = 1,1,1,1; V = 0.5,0.4,0.3,0.2; terminated at t=1 (its next value 9 must be ignored);
    //        truncated at t=3, whose true final state is worth 0.7.
    // env 1: r = 0,0,1,0; V = 0.1,0.2,0.3,0.4; no episode end; V(state after the rollout) = 0.5.
    private static readonly float[] Rewards = [1, 0, 1, 0, 1, 1, 1, 0];
    private static readonly float[] Values = [0.5f, 0.1f, 0.4f, 0.2f, 0.3f, 0.3f, 0.2f, 0.4f];
    private static readonly float[] NextValues = [0.4f, 0.2f, 9f, 0.3f, 0.2f, 0.4f, 0.7f, 0.5f];
    private static readonly bool[] Terminated = [false, false, true, false, false, false, false, false];
    private static readonly bool[] Truncated = [false, false, false, false, false, false, true, false];

    private static (float[] Advantages, float[] Returns) Compute() =>
        GeneralizedAdvantage.Compute(4, 2, Rewards, Values, NextValues, Terminated, Truncated, Gamma, Lambda);

    [Fact]
    public void Gae_matches_a_hand_worked_trajectory_with_a_termination_and_a_truncation()
    {
        var (advantages, returns) = Compute();

        // env 0 (delta_t = r + 0.9*V(s_{t+1})*(1-terminated) - V(s_t); A_t = delta_t + 0.72*(1-done)*A_{t+1}):
        //   t=3 truncated:  delta = 1 + 0.9*0.7 - 0.2 = 1.43;  A = 1.43 (no carry past the boundary)
        //   t=2:            delta = 1 + 0.9*0.2 - 0.3 = 0.88;  A = 0.88 + 0.72*1.43 = 1.9096
        //   t=1 terminated: delta = 1 + 0       - 0.4 = 0.6;   A = 0.6  (no carry from the next episode)
        //   t=0:            delta = 1 + 0.9*0.4 - 0.5 = 0.86;  A = 0.86 + 0.72*0.6 = 1.292
        // env 1:
        //   t=3: delta = 0 + 0.9*0.5 - 0.4 = 0.05;  A = 0.05
        //   t=2: delta = 1 + 0.9*0.4 - 0.3 = 1.06;  A = 1.06 + 0.72*0.05 = 1.096
        //   t=1: delta = 0 + 0.9*0.3 - 0.2 = 0.07;  A = 0.07 + 0.72*1.096 = 0.85912
        //   t=0: delta = 0 + 0.9*0.2 - 0.1 = 0.08;  A = 0.08 + 0.72*0.85912 = 0.6985664
        float[] expectedAdvantages = [1.292f, 0.6985664f, 0.6f, 0.85912f, 1.9096f, 1.096f, 1.43f, 0.05f];
        // returns = A + V
        float[] expectedReturns = [1.792f, 0.7985664f, 1.0f, 1.05912f, 2.2096f, 1.396f, 1.63f, 0.45f];
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(expectedAdvantages[i], advantages[i], 1e-6f);
            Assert.Equal(expectedReturns[i], returns[i], 1e-6f);
        }
    }

    [Fact]
    public void Gae_bootstraps_from_next_value_on_truncation()
    {
        var next = (float[])NextValues.Clone();
        next[6] = 1.7f; // the truncated step's final state is worth 1 more

        var (advantages, _) = GeneralizedAdvantage.Compute(4, 2, Rewards, Values, next, Terminated, Truncated, Gamma, Lambda);

        // A_3 grows by gamma*1 = 0.9, A_2 by gamma*lambda*0.9 = 0.648; the terminated t=1 and earlier do not move.
        var (baseline, _) = Compute();
        Assert.Equal(0.9f, advantages[6] - baseline[6], 1e-6f);
        Assert.Equal(0.648f, advantages[4] - baseline[4], 1e-6f);
        Assert.Equal(baseline[2], advantages[2]);
        Assert.Equal(baseline[0], advantages[0]);
    }

    [Fact]
    public void Gae_ignores_the_next_value_on_termination_even_when_also_truncated()
    {
        var next = (float[])NextValues.Clone();
        next[2] = -50f;
        var truncated = (bool[])Truncated.Clone();
        truncated[2] = true;

        var (advantages, _) = GeneralizedAdvantage.Compute(4, 2, Rewards, Values, next, Terminated, truncated, Gamma, Lambda);

        Assert.Equal(0.6f, advantages[2], 1e-6f);
        Assert.Equal(1.292f, advantages[0], 1e-6f);
    }

    [Fact]
    public void Gae_with_lambda_one_and_no_episode_end_is_the_discounted_return_minus_value()
    {
        // One env, T = 3, r = 1, V = 0, V(s_3) = 2: A_0 = 1 + 0.9 + 0.81 + 0.729*2 = 4.168
        var (advantages, _) = GeneralizedAdvantage.Compute(3, 1, [1, 1, 1], [0, 0, 0], [0, 0, 2], [false, false, false], [false, false, false], 0.9, 1.0);
        Assert.Equal(4.168f, advantages[0], 1e-6f);
    }
}
