using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>
/// The Bradley-Terry pairwise preference loss of a reward model: P(chosen preferred) = sigmoid(r_chosen - r_rejected).
/// </summary>
public static class BradleyTerryLoss
{
    /// <summary>Mean negative log-likelihood of the preferences, from rewards [B] of the chosen and the rejected sequences.</summary>
    public static Tensor Compute(Tensor rewardChosen, Tensor rewardRejected)
    {
        // L = -(1/B) Σ_b log σ(r_chosen[b] - r_rejected[b]); logsigmoid avoids log(0) for large negative margins
        return nn.functional.logsigmoid(rewardChosen - rewardRejected).mean().neg();
    }

    /// <summary>Fraction of pairs where the chosen sequence gets the strictly higher reward.</summary>
    public static double Accuracy(Tensor rewardChosen, Tensor rewardRejected)
    {
        using var scope = NewDisposeScope();
        return rewardChosen.gt(rewardRejected).to(ScalarType.Float64).mean().item<double>();
    }
}
