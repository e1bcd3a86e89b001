using static TorchSharp.torch;

namespace DistGen.Training.Rlhf;

/// <summary>
/// Token sequences of one width, stored row-major, handed to models a chunk of <see cref="CompletionSampler.BatchRows"/>
/// rows at a time, each chunk's tensors freed before the next: how rollouts, comparisons and held-out completions are
/// scored without holding every sequence's activations at once.
/// </summary>
public static class SequenceBatches
{
    /// <summary>
    /// Calls <paramref name="each"/>(first row, rows, tokens [rows, <paramref name="width"/>] int64 on <paramref name="device"/>)
    /// for consecutive chunks of <paramref name="sequences"/>, each inside a dispose scope of its own.
    /// </summary>
    public static void ForEach(long[] sequences, int width, Device device, Action<int, int, Tensor> each)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (sequences.Length % width != 0)
            throw new ArgumentException($"{sequences.Length} tokens are no whole number of sequences of {width}");
        int count = sequences.Length / width;
        for (int start = 0; start < count; start += CompletionSampler.BatchRows)
        {
            int rows = Math.Min(CompletionSampler.BatchRows, count - start);
            using var scope = NewDisposeScope();
            each(start, rows, tensor(sequences.AsSpan(start * width, rows * width).ToArray(), [rows, width], ScalarType.Int64).to(device));
        }
    }
}
