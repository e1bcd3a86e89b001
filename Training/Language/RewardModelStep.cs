using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>
/// The gradient half of a reward-model training step on pairwise preferences (chosen vs rejected sequences),
/// shared by reference loops and distributed workers; apply the update with <see cref="AdamWUpdate.Apply"/>.
/// </summary>
public static class RewardModelStep
{
    /// <summary>Zeroes the gradients, computes the Bradley-Terry loss of the pairs and back-propagates it. Returns loss and accuracy.</summary>
    public static (double Loss, double Accuracy) ComputeGradients(RewardModel model, Tensor chosen, Tensor rejected)
    {
        using var scope = NewDisposeScope();
        model.zero_grad();
        var (rewardChosen, rewardRejected) = Rewards(model, chosen, rejected);
        var loss = BradleyTerryLoss.Compute(rewardChosen, rewardRejected);
        loss.backward();
        return (loss.item<float>(), BradleyTerryLoss.Accuracy(rewardChosen, rewardRejected));
    }

    /// <summary>Loss and accuracy of the pairs without gradients, in evaluation mode.</summary>
    public static (double Loss, double Accuracy) Evaluate(RewardModel model, Tensor chosen, Tensor rejected)
    {
        using var evaluation = EvaluationMode.Enter(model);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (rewardChosen, rewardRejected) = Rewards(model, chosen, rejected);
        return (BradleyTerryLoss.Compute(rewardChosen, rewardRejected).item<float>(), BradleyTerryLoss.Accuracy(rewardChosen, rewardRejected));
    }

    private static (Tensor Chosen, Tensor Rejected) Rewards(RewardModel model, Tensor chosen, Tensor rejected)
    {
        var device = model.Trunk.Device;
        return (model.forward(chosen.to(device)), model.forward(rejected.to(device)));
    }
}
