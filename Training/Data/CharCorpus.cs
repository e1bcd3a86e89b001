using DistGen.Training.Core;
using static TorchSharp.torch;

namespace DistGen.Training.Data;

/// <summary>
/// A text as a character-level language-modelling corpus: the sorted distinct characters are the vocabulary
/// (token = index in it), the first part of the token sequence is for training and the last
/// <c>validationFraction</c> for validation (a contiguous tail, so the split is deterministic and no window straddles it).
/// </summary>
public sealed class CharCorpus
{
    private readonly Dictionary<char, int> _tokenOf;

    /// <summary>The distinct characters of the text in ordinal order; token k is Vocabulary[k].</summary>
    public string Vocabulary { get; }

    public int VocabularySize => Vocabulary.Length;

    /// <summary>The whole text as tokens.</summary>
    public int[] Tokens { get; }

    /// <summary>Tokens [0, n - v): the training part.</summary>
    public int[] Train { get; }

    /// <summary>Tokens [n - v, n) with v = round(n * validationFraction): the validation part.</summary>
    public int[] Validation { get; }

    public CharCorpus(string text, double validationFraction = 0.1)
    {
        if (string.IsNullOrEmpty(text)) throw new ArgumentException("a corpus needs some text", nameof(text));
        if (!(validationFraction >= 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "validation fraction must be in [0, 1)");
        var characters = text.Distinct().ToArray();
        Array.Sort(characters, (a, b) => a.CompareTo(b));
        Vocabulary = new string(characters);
        _tokenOf = new Dictionary<char, int>(characters.Length);
        for (int k = 0; k < characters.Length; k++) _tokenOf[characters[k]] = k;

        Tokens = new int[text.Length];
        for (int i = 0; i < text.Length; i++) Tokens[i] = _tokenOf[text[i]];
        int validationLength = (int)Math.Round(text.Length * validationFraction);
        Train = Tokens[..(text.Length - validationLength)];
        Validation = Tokens[(text.Length - validationLength)..];
    }

    /// <summary>Tokens of a text; every character must be in the vocabulary.</summary>
    public long[] Encode(string text)
    {
        var tokens = new long[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            if (!_tokenOf.TryGetValue(text[i], out int token))
                throw new ArgumentException($"character '{text[i]}' (U+{(int)text[i]:X4}) at position {i} is not in the corpus vocabulary", nameof(text));
            tokens[i] = token;
        }
        return tokens;
    }

    /// <summary>The text of a token sequence.</summary>
    public string Decode(IEnumerable<long> tokens)
    {
        var text = new System.Text.StringBuilder();
        foreach (var token in tokens)
        {
            if ((ulong)token >= (ulong)Vocabulary.Length)
                throw new ArgumentOutOfRangeException(nameof(tokens), token, $"token must be in [0, {Vocabulary.Length})");
            text.Append(Vocabulary[(int)token]);
        }
        return text.ToString();
    }

    /// <summary>
    /// Draws <paramref name="batch"/> windows of <paramref name="context"/> + 1 consecutive tokens at uniformly random
    /// starts in [0, tokens.Length - context - 1] and returns them shifted by one: inputs = window[0..T),
    /// targets = window[1..T], both int64 [B, T]. The same generator state gives the same windows.
    /// </summary>
    public static (Tensor Inputs, Tensor Targets) SampleWindows(ReadOnlySpan<int> tokens, int batch, int context, SplitMix64 rng, Device? device = null) =>
        Windows(tokens, DrawStarts(tokens.Length, batch, context, rng), context, device);

    /// <summary>The window starts <see cref="SampleWindows"/> draws: uniform in [0, tokenCount - context - 1].</summary>
    public static int[] DrawStarts(int tokenCount, int batch, int context, SplitMix64 rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(context, 1);
        if (tokenCount < context + 1)
            throw new ArgumentException($"{tokenCount} tokens are too few for windows of {context} + 1", nameof(tokenCount));
        var starts = new int[batch];
        for (int b = 0; b < batch; b++) starts[b] = rng.NextInt(tokenCount - context);
        return starts;
    }

    /// <summary>The windows at <paramref name="starts"/>: inputs = tokens[s..s+T), targets = tokens[s+1..s+T], int64 [B, T].</summary>
    public static (Tensor Inputs, Tensor Targets) Windows(ReadOnlySpan<int> tokens, int[] starts, int context, Device? device = null)
    {
        int batch = starts.Length;
        var inputs = new long[batch * context];
        var targets = new long[batch * context];
        for (int b = 0; b < batch; b++)
        {
            int start = starts[b];
            if (start < 0 || start + context >= tokens.Length)
                throw new ArgumentOutOfRangeException(nameof(starts), start, $"a window of {context} + 1 tokens must start in [0, {tokens.Length - context - 1}]");
            for (int t = 0; t < context; t++)
            {
                inputs[b * context + t] = tokens[start + t];
                targets[b * context + t] = tokens[start + t + 1];
            }
        }
        return (tensor(inputs, [batch, context], ScalarType.Int64).PlaceOn(device),
                tensor(targets, [batch, context], ScalarType.Int64).PlaceOn(device));
    }
}
