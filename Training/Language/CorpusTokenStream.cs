using DistGen.Training.Core;
using DistGen.Training.Data;
using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>A character corpus (the King James Bible, or any text held in memory) as the LM trainer's <see cref="ITokenStream"/>.</summary>
public sealed class CorpusTokenStream(CharCorpus corpus) : ITokenStream
{
    /// <summary>A stream over <paramref name="text"/>: sorted character vocabulary, the last tenth for validation.</summary>
    public CorpusTokenStream(string text, double validationFraction = 0.1) : this(new CharCorpus(text, validationFraction)) { }

    public CharCorpus Corpus => corpus;

    public int VocabularySize => corpus.VocabularySize;

    public int TrainTokenCount => corpus.Train.Length;

    public string Decode(IEnumerable<long> tokens) => corpus.Decode(tokens);

    public long[] Encode(string text) => corpus.Encode(text);

    public (Tensor Inputs, Tensor Targets) SampleWindows(bool validation, int batch, int context, SplitMix64 rng) =>
        CharCorpus.SampleWindows(Split(validation), batch, context, rng);

    public int[] DrawStarts(bool validation, int batch, int context, SplitMix64 rng) =>
        CharCorpus.DrawStarts(Split(validation).Length, batch, context, rng);

    public (Tensor Inputs, Tensor Targets) Windows(bool validation, int[] starts, int context) =>
        CharCorpus.Windows(Split(validation), starts, context);

    private int[] Split(bool validation) => validation ? corpus.Validation : corpus.Train;
}
