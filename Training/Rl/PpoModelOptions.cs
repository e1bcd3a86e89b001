using System.ComponentModel.DataAnnotations;

namespace DistGen.Training.Rl;

/// <summary>The actor-critic network of a PPO job (the "model" section of its job spec).</summary>
public sealed class PpoModelOptions
{
    /// <summary>Units in each hidden layer of the actor and of the critic.</summary>
    [Range(1, 4096)]
    public int HiddenSize { get; init; } = 64;

    /// <summary>Hidden tanh layers in each of the two separate trunks (actor, critic).</summary>
    [Range(1, 8)]
    public int HiddenLayers { get; init; } = 2;
}
