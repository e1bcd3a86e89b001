namespace DistGen.Training.Rl;

/// <summary>Actions sampled by the policy for a batch of observations, with what a learner needs later (plain arrays, on the CPU).</summary>
/// <param name="Actions">[B] sampled actions.</param>
/// <param name="LogProbs">[B] log pi(a|s) of the sampled actions under the acting policy.</param>
/// <param name="Values">[B] V(s) under the acting critic.</param>
public sealed record PolicyDecision(int[] Actions, float[] LogProbs, float[] Values);
