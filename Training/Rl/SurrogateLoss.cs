using static TorchSharp.torch;

namespace DistGen.Training.Rl;

/// <summary>The PPO loss of one minibatch: the differentiable total and its parts as plain numbers for logging.</summary>
/// <param name="Total">Scalar loss with autograd history: policy loss + c_v * value loss - c_e * entropy.</param>
/// <param name="PolicyLoss">-E[min(r*A, clip(r, 1-eps, 1+eps)*A)].</param>
/// <param name="ValueLoss">E[(V - R)^2], clipped around the old value when value clipping is on.</param>
/// <param name="Entropy">Mean policy entropy.</param>
/// <param name="ApproxKl">E[(r - 1) - log r], an unbiased low-variance estimate of KL(pi_old || pi).</param>
/// <param name="ClipFraction">Fraction of samples whose ratio left [1-eps, 1+eps].</param>
public sealed record SurrogateLoss(Tensor Total, double PolicyLoss, double ValueLoss, double Entropy, double ApproxKl, double ClipFraction);
