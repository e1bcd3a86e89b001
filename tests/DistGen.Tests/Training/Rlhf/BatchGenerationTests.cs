using DistGen.Training.Core;
using DistGen.Training.Language;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Rlhf;

public sealed class BatchGenerationTests
{
    private static CharTransformer Model() => Seeding.Build(5, () => new CharTransformer(new CharLmModelOptions
        { VocabularySize = 7, ContextLength = 12, ModelDimension = 16, Heads = 2, Layers = 2 }));

    private static Tensor Prompts(params long[][] rows) => tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length], ScalarType.Int64);

    [Fact]
    public void Decoding_with_the_cache_gives_the_hidden_states_of_the_whole_sequence()
    {
        using var lm = Model();
        using var noGrad = no_grad();
        using var sequence = Prompts([1, 4, 2, 6, 0, 3, 5, 1, 2]);
        using var whole = lm.HiddenStates(sequence);
        using var cache = lm.NewCache(1);
        // A prompt of 4 at once, then one token at a time, as generation feeds them.
        var parts = new List<Tensor> { lm.HiddenStatesCached(sequence.narrow(1, 0, 4), cache) };
        for (int t = 4; t < 9; t++) parts.Add(lm.HiddenStatesCached(sequence.narrow(1, t, 1), cache));
        using var stepwise = cat(parts, 1);
        Assert.Equal(9, cache.Length);
        Assert.True(stepwise.allclose(whole, rtol: 0, atol: 1e-5), $"largest difference {stepwise.sub(whole).abs().max().item<float>()}");
        foreach (var part in parts) part.Dispose();
    }

    [Fact]
    public void Greedy_batch_decoding_equals_decoding_each_prompt_alone()
    {
        using var lm = Model();
        long[][] prompts = [[1, 2, 3], [6, 5, 4], [0, 0, 1]];
        using var batch = Prompts(prompts);
        var generated = lm.GenerateBatch(batch, 6, temperature: 0, prompts.Select(_ => new SplitMix64(1)).ToArray());
        for (int b = 0; b < prompts.Length; b++)
            Assert.Equal(lm.Generate(prompts[b], 6, temperature: 0, new SplitMix64(1)), generated[b]);
    }

    [Fact]
    public void A_rows_sample_depends_on_its_own_stream_not_on_the_rows_beside_it()
    {
        using var lm = Model();
        using var three = Prompts([1, 2, 3], [6, 5, 4], [0, 0, 1]);
        using var one = Prompts([6, 5, 4]);
        var inBatch = lm.GenerateBatch(three, 8, 1.0, [new SplitMix64(10), new SplitMix64(20), new SplitMix64(30)]);
        var alone = lm.GenerateBatch(one, 8, 1.0, [new SplitMix64(20)]);
        Assert.Equal(alone[0], inBatch[1]);
        // The same stream in the single-sequence sampler draws the same tokens.
        Assert.Equal(lm.Generate([6, 5, 4], 8, 1.0, new SplitMix64(20)), alone[0]);
    }

    [Fact]
    public void A_prompt_and_completion_longer_than_the_context_are_refused()
    {
        using var lm = Model();
        using var prompts = Prompts([1, 2, 3, 4, 5, 6, 0, 1]);
        var error = Assert.Throws<ArgumentException>(() => lm.GenerateBatch(prompts, 5, 1.0, [new SplitMix64(1)]));
        Assert.Contains("context length 12", error.Message);
    }
}
