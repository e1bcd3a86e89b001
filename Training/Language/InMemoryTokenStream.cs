using DistGen.Training.Core;
using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>
/// A character-level <see cref="ITokenStream"/> over a string held in memory: the vocabulary is the sorted set of
/// its characters, the first 90 % (by default) is the training split and the rest the validation split.
/// </summary>
public sealed class InMemoryTokenStream : ITokenStream
{
    private readonly char[] _symbols;
    private readonly Dictionary<char, long> _ids;
    private readonly long[] _train;
    private readonly long[] _validation;

    public InMemoryTokenStream(string text, double validationFraction = 0.1)
    {
        if (validationFraction is <= 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "the validation fraction must be in (0, 1)");
        _symbols = text.Distinct().Order().ToArray();
        _ids = _symbols.Select((c, i) => (c, (long)i)).ToDictionary(p => p.c, p => p.Item2);
        var all = Encode(text);
        int trainLength = (int)Math.Round(all.Length * (1 - validationFraction));
        _train = all[..trainLength];
        _validation = all[trainLength..];
    }

    public int VocabularySize => _symbols.Length;

    /// <summary>The characters of the vocabulary in token-id order.</summary>
    public string Vocabulary => new(_symbols);

    public int TrainLength => _train.Length;

    public int ValidationLength => _validation.Length;

    public string Decode(IEnumerable<long> tokens) => new(tokens.Select(t => _symbols[t]).ToArray());

    public long[] Encode(string text)
    {
        var result = new long[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            if (!_ids.TryGetValue(text[i], out result[i]))
                throw new ArgumentException($"character '{text[i]}' (U+{(int)text[i]:X4}) is not in the vocabulary \"{Vocabulary}\"", nameof(text));
        }
        return result;
    }

    public (Tensor Inputs, Tensor Targets) SampleWindows(bool validation, int batch, int context, SplitMix64 rng)
    {
        var source = validation ? _validation : _train;
        int starts = source.Length - context;
        if (starts < 1)
            throw new InvalidOperationException($"the {(validation ? "validation" : "training")} split has {source.Length} tokens, too few for windows of {context} + 1");
        var inputs = new long[batch * context];
        var targets = new long[batch * context];
        for (int b = 0; b < batch; b++)
        {
            int start = rng.NextInt(starts);
            Array.Copy(source, start, inputs, b * context, context);
            Array.Copy(source, start + 1, targets, b * context, context);
        }
        return (tensor(inputs, [batch, context]), tensor(targets, [batch, context]));
    }
}
