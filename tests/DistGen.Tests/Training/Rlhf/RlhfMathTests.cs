using DistGen.Training.Rlhf;

namespace DistGen.Tests.Training.Rlhf;

public sealed class RlhfMathTests
{
    // Two completions of L = 3 tokens after a prompt of 2 tokens.
    private static TextRollout Rollout()
    {
        var rollout = new TextRollout(2, 2, 3);
        float[] logProbs = [-1.0f, -2.0f, -0.5f, -0.2f, -0.3f, -0.4f];
        float[] reference = [-1.5f, -2.0f, -1.0f, -0.2f, -0.1f, -0.4f];
        float[] values = [0.5f, 0.25f, 1.0f, -0.5f, 0f, 0.75f];
        logProbs.CopyTo(rollout.LogProbs, 0);
        reference.CopyTo(rollout.ReferenceLogProbs, 0);
        values.CopyTo(rollout.Values, 0);
        rollout.Scores[0] = 2.0f;
        rollout.Scores[1] = -1.0f;
        return rollout;
    }

    [Fact]
    public void Every_token_pays_the_leash_and_the_last_earns_the_score()
    {
        // beta = 0.5: row 0 log-ratios 0.5, 0, 0.5; row 1: 0, -0.2, 0.
        var (rewards, kl) = KlPenalizedRewards.Compute(Rollout(), beta: 0.5);
        Assert.Equal([-0.25f, 0f, -0.25f + 2.0f, 0f, 0.1f, 0f - 1.0f], rewards.Select(r => MathF.Round(r, 6)));
        Assert.Equal(1.0, kl[0], 6);
        Assert.Equal(-0.2, kl[1], 6);
    }

    [Fact]
    public void Token_level_advantages_follow_GAE_over_each_completion_to_its_last_token()
    {
        // gamma = 1, lambda = 0.5, beta = 0.5. Row 0: rewards (-0.25, 0, 1.75), values (0.5, 0.25, 1.0), terminal after t = 2.
        //   delta_2 = 1.75 - 1.0 = 0.75;          A_2 = 0.75
        //   delta_1 = 0 + 1.0 - 0.25 = 0.75;      A_1 = 0.75 + 0.5 * 0.75 = 1.125
        //   delta_0 = -0.25 + 0.25 - 0.5 = -0.5;  A_0 = -0.5 + 0.5 * 1.125 = 0.0625
        // Row 1: rewards (0, 0.1, -1), values (-0.5, 0, 0.75).
        //   delta_2 = -1 - 0.75 = -1.75;          A_2 = -1.75
        //   delta_1 = 0.1 + 0.75 - 0 = 0.85;      A_1 = 0.85 - 0.875 = -0.025
        //   delta_0 = 0 + 0 + 0.5 = 0.5;          A_0 = 0.5 - 0.0125 = 0.4875
        using var lm = new DistGen.Training.Language.CharTransformer(new DistGen.Training.Language.CharLmModelOptions
            { VocabularySize = 4, ContextLength = 8, ModelDimension = 8, Heads = 1, Layers = 1 });
        using var policy = new PolicyWithValue(lm);
        var update = new LanguagePpoUpdate(policy, new RlhfPpoOptions { Gamma = 1.0, Lambda = 0.5 }, seed: 1);
        var (advantages, returns, _) = update.Advantages(Rollout(), beta: 0.5);
        double[] expected = [0.0625, 1.125, 0.75, 0.4875, -0.025, -1.75];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], advantages[i], 5);
        Assert.Equal(0.0625 + 0.5, returns[0], 5);
        Assert.Equal(-1.75 + 0.75, returns[5], 5);
        update.Optimizer.Dispose();
    }

    [Fact]
    public void PPO_ptx_lowers_the_policys_loss_on_its_pretraining_text_where_plain_PPO_leaves_it()
    {
        // A rollout that teaches nothing: every reward and value 0, so every advantage is 0 and PPO alone barely moves the
        // policy; the pretraining term alone lowers the cross-entropy on the text's windows.
        var text = new DistGen.Training.Language.CorpusTokenStream(string.Concat(Enumerable.Repeat("and the light was good\n", 80)));
        var shape = new DistGen.Training.Language.CharLmModelOptions
            { VocabularySize = text.VocabularySize, ContextLength = 16, ModelDimension = 16, Heads = 2, Layers = 1 };
        var rollout = new TextRollout(8, 4, 6);
        for (int i = 0; i < rollout.Tokens.Length; i++) rollout.Tokens[i] = i % text.VocabularySize;
        Array.Fill(rollout.LogProbs, -1f);
        Array.Fill(rollout.ReferenceLogProbs, -1f);

        double LossAfter(double coefficient)
        {
            using var policy = DistGen.Training.Core.Seeding.Build(3, () => new PolicyWithValue(new DistGen.Training.Language.CharTransformer(shape)));
            var options = new RlhfPpoOptions { MinibatchSize = 4, Epochs = 2, LearningRate = 3e-3, PretrainCoefficient = coefficient, PretrainBatchSize = 4 };
            var recorded = new RecordingTokenStream(text);
            var update = new LanguagePpoUpdate(policy, options, seed: 1, recorded);
            LanguagePpoMetrics? metrics = null;
            for (int u = 0; u < 5; u++) metrics = update.Update(rollout, beta: 0);
            Assert.Equal(coefficient > 0, metrics!.PretrainLoss is > 0);
            // One batch of training-split windows per minibatch step: 5 updates x 2 epochs x 2 minibatches.
            Assert.Equal(coefficient > 0 ? Enumerable.Repeat((false, 4, shape.ContextLength), 20) : [], recorded.Draws);
            update.Optimizer.Dispose();
            var (inputs, targets) = text.SampleWindows(validation: true, 16, shape.ContextLength, new DistGen.Training.Core.SplitMix64(9));
            using var noGrad = TorchSharp.torch.no_grad();
            return DistGen.Training.Language.LanguageModelLoss.Compute(policy.Lm.forward(inputs), targets).item<float>();
        }

        double plain = LossAfter(0), ptx = LossAfter(1.0);
        Assert.True(ptx < plain - 0.3, $"validation loss after PPO-ptx {ptx:F3}, after plain PPO {plain:F3}");
        Assert.Throws<ArgumentException>(() =>
        {
            using var policy = new PolicyWithValue(new DistGen.Training.Language.CharTransformer(shape));
            _ = new LanguagePpoUpdate(policy, new RlhfPpoOptions { PretrainCoefficient = 0.5 }, seed: 1, pretrainText: null);
        });
    }

    [Fact]
    public void The_adaptive_leash_moves_beta_towards_the_target_and_a_fixed_one_stays()
    {
        var adaptive = new AdaptiveKlController(initial: 0.1, target: 6, horizon: 10_000);
        adaptive.Update(meanKl: 12, completions: 1000);   // error clipped to +0.2: beta *= 1 + 0.2 * 1000 / 10000
        Assert.Equal(0.1 * 1.02, adaptive.Value, 12);
        adaptive.Update(meanKl: 5.4, completions: 1000);  // error -0.1
        Assert.Equal(0.1 * 1.02 * 0.99, adaptive.Value, 12);
        var fixedLeash = new AdaptiveKlController(0.1, target: 0, horizon: 10_000);
        fixedLeash.Update(100, 1000);
        Assert.Equal(0.1, fixedLeash.Value);
    }

    [Fact]
    public void Win_rate_counts_ties_as_half()
    {
        Assert.Equal(0.625, WinRate.Of([3, 0, 1, -1], [1, 0, 2, -2]));
        Assert.Throws<ArgumentException>(() => WinRate.Of([1], [1, 2]));
    }

    [Fact]
    public void Distinct_2_is_distinct_word_bigrams_over_all_bigrams()
    {
        // "a b c" -> ab, bc; "a b a b" -> ab, ba, ab: 5 bigrams, 3 distinct.
        Assert.Equal(3.0 / 5, DistinctNGrams.Ratio(["a b c", "a b a b"], 2), 12);
        Assert.True(double.IsNaN(DistinctNGrams.Ratio(["single"], 2)));
    }

    // Passes every call through, recording which windows were drawn (split, batch, context).
    private sealed class RecordingTokenStream(DistGen.Training.Language.ITokenStream inner) : DistGen.Training.Language.ITokenStream
    {
        public List<(bool Validation, int Batch, int Context)> Draws { get; } = [];

        public int VocabularySize => inner.VocabularySize;

        public int TrainTokenCount => inner.TrainTokenCount;

        public string Decode(IEnumerable<long> tokens) => inner.Decode(tokens);

        public long[] Encode(string text) => inner.Encode(text);

        public (TorchSharp.torch.Tensor Inputs, TorchSharp.torch.Tensor Targets) SampleWindows(bool validation, int batch, int context, DistGen.Training.Core.SplitMix64 rng)
        {
            Draws.Add((validation, batch, context));
            return inner.SampleWindows(validation, batch, context, rng);
        }

        public int[] DrawStarts(bool validation, int batch, int context, DistGen.Training.Core.SplitMix64 rng) => inner.DrawStarts(validation, batch, context, rng);

        public (TorchSharp.torch.Tensor Inputs, TorchSharp.torch.Tensor Targets) Windows(bool validation, int[] starts, int context) => inner.Windows(validation, starts, context);
    }
}
