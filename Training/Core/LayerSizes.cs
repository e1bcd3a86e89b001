namespace DistGen.Training.Core;

/// <summary>
/// Parameter counts of the layers DistGen's networks are made of, computed from their shapes without building them, so
/// that a job's size can be judged before any memory is taken (each network's own <c>ParameterCount</c> adds these up,
/// and tests check each sum against the built network).
/// </summary>
public static class LayerSizes
{
    /// <summary>nn.Linear(inputs, outputs) with bias.</summary>
    public static long Linear(long inputs, long outputs) => checked(inputs * outputs + outputs);

    /// <summary>[Linear, activation] × layers, then a Linear to <paramref name="outputs"/>.</summary>
    public static long Mlp(long inputs, long hidden, int layers, long outputs) =>
        checked(Linear(inputs, hidden) + (layers - 1) * Linear(hidden, hidden) + Linear(hidden, outputs));

    /// <summary>nn.Conv2d or nn.ConvTranspose2d with a square kernel and bias.</summary>
    public static long Convolution(long inputChannels, long outputChannels, long kernel) =>
        checked(inputChannels * outputChannels * kernel * kernel + outputChannels);

    /// <summary>nn.LayerNorm over <paramref name="elements"/> values, with its weight and bias.</summary>
    public static long LayerNorm(long elements) => checked(2 * elements);

    /// <summary>nn.Embedding(count, dimension).</summary>
    public static long Embedding(long count, long dimension) => checked(count * dimension);
}
