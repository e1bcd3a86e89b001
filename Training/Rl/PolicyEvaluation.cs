using static TorchSharp.torch;

namespace DistGen.Training.Rl;

/// <summary>The policy and value of a batch of states at given actions, with autograd history (for the learner's loss).</summary>
/// <param name="LogProb">[B] log pi(a|s) of the given actions.</param>
/// <param name="Entropy">[B] entropy of pi(.|s).</param>
/// <param name="Value">[B] the critic's V(s).</param>
public sealed record PolicyEvaluation(Tensor LogProb, Tensor Entropy, Tensor Value);
