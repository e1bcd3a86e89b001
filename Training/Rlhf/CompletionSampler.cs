using DistGen.Training.Core;
using DistGen.Training.Language;
using static TorchSharp.torch;

namespace DistGen.Training.Rlhf;

/// <summary>
/// Samples completions of prompts with a language model, in batches decoded with a key-value cache. Completion j of a
/// request draws from its own stream, Seeding.Derive(seed, "{stream}:{key}:{j}"), so what a completion is depends only on
/// the model, its prompt and its key: not on batch size, order, or which actor of the cluster sampled it.
/// </summary>
public static class CompletionSampler
{
    /// <summary>Rows decoded together: large enough to keep the cores busy, small enough to bound the cache's memory.</summary>
    public const int BatchRows = 128;

    /// <summary>One completion to sample: its prompt, and the key and index that name its random stream.</summary>
    public readonly record struct Draw(RlhfPrompt Prompt, string Key, int Index);

    /// <summary>The completions' tokens, in the order of <paramref name="draws"/>.</summary>
    public static long[][] Sample(CharTransformer lm, ITokenStream tokens, IReadOnlyList<Draw> draws, int length, double temperature, long seed, string stream)
    {
        var completions = new long[draws.Count][];
        for (int start = 0; start < draws.Count; start += BatchRows)
        {
            int rows = Math.Min(BatchRows, draws.Count - start);
            var chunk = Enumerable.Range(start, rows).Select(i => draws[i]).ToArray();
            using var scope = NewDisposeScope();
            var prompts = PromptTokens(tokens, chunk.Select(d => d.Prompt));
            var random = chunk.Select(d => new SplitMix64(Seeding.Derive(seed, $"{stream}:{d.Key}:{d.Index}"))).ToArray();
            var generated = lm.GenerateBatch(prompts, length, temperature, random);
            generated.CopyTo(completions, start);
        }
        return completions;
    }

    /// <summary>Prompts [B, P] as int64 tokens (all prompts of a set have the same length).</summary>
    public static Tensor PromptTokens(ITokenStream tokens, IEnumerable<RlhfPrompt> prompts)
    {
        var encoded = prompts.Select(p => tokens.Encode(p.Text)).ToArray();
        int length = encoded[0].Length;
        if (encoded.Any(e => e.Length != length)) throw new ArgumentException("prompts of one batch must have the same length");
        return tensor(encoded.SelectMany(e => e).ToArray(), [encoded.Length, length], ScalarType.Int64);
    }

    /// <summary>Sequences [B, P + L] of prompts followed by their completions, as one row-major array.</summary>
    public static long[] Sequences(ITokenStream tokens, IReadOnlyList<RlhfPrompt> prompts, IReadOnlyList<long[]> completions)
    {
        var rows = prompts.Select((p, i) => tokens.Encode(p.Text).Concat(completions[i])).ToArray();
        int width = rows[0].Count();
        var all = rows.SelectMany(r => r).ToArray();
        if (all.Length != width * rows.Length) throw new ArgumentException("every prompt and completion of a batch must have the same lengths");
        return all;
    }
}
