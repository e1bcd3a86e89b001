using DistGen.Training.Core;
using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>
/// A tokenised text corpus with a training and a validation split: encodes and decodes text and serves
/// random windows of <c>context</c> tokens whose targets are the inputs shifted by one position.
/// </summary>
public interface ITokenStream
{
    /// <summary>Number of distinct tokens; token ids are in [0, VocabularySize).</summary>
    int VocabularySize { get; }

    /// <summary>Tokens of the training split (window starts lie in [0, TrainTokenCount - context - 1]).</summary>
    int TrainTokenCount { get; }

    /// <summary>Turns token ids back into text.</summary>
    string Decode(IEnumerable<long> tokens);

    /// <summary>Turns text into token ids; throws when the text holds a symbol outside the vocabulary.</summary>
    long[] Encode(string text);

    /// <summary>
    /// Draws <paramref name="batch"/> windows from the chosen split at positions taken from <paramref name="rng"/>:
    /// Inputs and Targets are int64 tensors of shape [batch, context] on the CPU, with Targets[b, t] = token after Inputs[b, t].
    /// </summary>
    (Tensor Inputs, Tensor Targets) SampleWindows(bool validation, int batch, int context, SplitMix64 rng);

    /// <summary>The window starts <see cref="SampleWindows"/> would draw: a data shard draws them, a worker materialises them.</summary>
    int[] DrawStarts(bool validation, int batch, int context, SplitMix64 rng);

    /// <summary>The windows at the given starts of the chosen split (inputs and targets shifted by one).</summary>
    (Tensor Inputs, Tensor Targets) Windows(bool validation, int[] starts, int context);
}
