namespace DistGen.Training.Rlhf;

/// <summary>
/// The per-token rewards of RLHF's PPO (Ziegler et al. 2019; InstructGPT): every completion token t pays the KL leash
/// -beta * (log pi_old(c_t) - log pi_ref(c_t)), and the last token also earns the reward model's score of the whole
/// completion. The sum over a completion of log pi_old - log pi_ref is the sampled estimate of KL(pi || pi_ref) in nats.
/// </summary>
public static class KlPenalizedRewards
{
    /// <summary>Rewards [B, L] (row-major) and each completion's summed log-ratio [B].</summary>
    public static (float[] Rewards, double[] KlPerCompletion) Compute(TextRollout rollout, double beta)
    {
        int count = rollout.Count, length = rollout.CompletionLength;
        var rewards = new float[count * length];
        var kl = new double[count];
        for (int b = 0; b < count; b++)
        {
            double sum = 0;
            for (int t = 0; t < length; t++)
            {
                int i = b * length + t;
                double logRatio = rollout.LogProbs[i] - (double)rollout.ReferenceLogProbs[i];
                sum += logRatio;
                rewards[i] = (float)(-beta * logRatio + (t == length - 1 ? rollout.Scores[b] : 0));
            }
            kl[b] = sum;
        }
        return (rewards, kl);
    }
}
