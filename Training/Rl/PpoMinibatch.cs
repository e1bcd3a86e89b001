using static TorchSharp.torch;

namespace DistGen.Training.Rl;

/// <summary>
/// The tensors one PPO gradient step needs, all with batch dimension B: observations [B, obs], int64 actions, and the
/// acting policy's log-probabilities and values with the advantages and returns computed from them.
/// </summary>
public sealed record PpoMinibatch(Tensor Observations, Tensor Actions, Tensor OldLogProbs, Tensor OldValues, Tensor Advantages, Tensor Returns)
{
    /// <summary>All transitions of a rollout as tensors on <paramref name="device"/> (owned by the caller's dispose scope).</summary>
    public static PpoMinibatch FromRollout(TrajectoryBatch batch, float[] advantages, float[] returns, Device device)
    {
        if (advantages.Length != batch.Count || returns.Length != batch.Count)
            throw new ArgumentException($"advantages and returns must hold one value per transition ({batch.Count})");
        return new PpoMinibatch(
            tensor(batch.Observations, [batch.Count, batch.ObservationSize], ScalarType.Float32).to(device),
            tensor(batch.Actions.Select(a => (long)a).ToArray(), [batch.Count], ScalarType.Int64).to(device),
            tensor(batch.LogProbs, [batch.Count], ScalarType.Float32).to(device),
            tensor(batch.Values, [batch.Count], ScalarType.Float32).to(device),
            tensor(advantages, [batch.Count], ScalarType.Float32).to(device),
            tensor(returns, [batch.Count], ScalarType.Float32).to(device));
    }

    /// <summary>Transitions in the order of the int64 <paramref name="indices"/>.</summary>
    public PpoMinibatch Select(Tensor indices) => new(
        Observations.index_select(0, indices), Actions.index_select(0, indices), OldLogProbs.index_select(0, indices),
        OldValues.index_select(0, indices), Advantages.index_select(0, indices), Returns.index_select(0, indices));
}
