using DistGen.Training.Core;
using DistGen.Training.Language;
using DistGen.Training.Rl;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Rlhf;

/// <summary>
/// PPO on a language model, token by token: the KL-leashed rewards (<see cref="KlPenalizedRewards"/>), token-level GAE
/// over each completion (the CartPole learner's <see cref="GeneralizedAdvantage"/>, with one "environment" per completion
/// that terminates at its last token), then K epochs of the clipped surrogate (<see cref="ClippedSurrogateLoss"/>, the same
/// loss as CartPole's) over shuffled minibatches of completions, one Adam step each.
/// </summary>
public sealed class LanguagePpoUpdate
{
    private readonly RlhfPpoOptions _options;
    private readonly ITokenStream? _pretrainText;
    private readonly SplitMix64 _pretrainWindows;
    private readonly Scalar? _pretrainCoefficient;

    /// <param name="policy">The policy with its value head, updated in place.</param>
    /// <param name="options">The PPO settings.</param>
    /// <param name="seed">The run's seed (minibatch order, pretraining windows).</param>
    /// <param name="pretrainText">
    /// The text the policy was pretrained on, for <see cref="RlhfPpoOptions.PretrainCoefficient"/> &gt; 0 (PPO-ptx):
    /// every minibatch step also lowers the policy's cross-entropy on <see cref="RlhfPpoOptions.PretrainBatchSize"/>
    /// windows of its training split.
    /// </param>
    public LanguagePpoUpdate(PolicyWithValue policy, RlhfPpoOptions options, long seed, ITokenStream? pretrainText = null)
    {
        _options = options;
        Policy = policy;
        Optimizer = AdamOptimizer.Adam(policy.parameters(), options.LearningRate, epsilon: 1e-5);
        MinibatchRandom = new SplitMix64(Seeding.Derive(seed, "ppo-minibatches"));
        _pretrainWindows = new SplitMix64(Seeding.Derive(seed, "ppo-pretrain-windows"));
        if (options.PretrainCoefficient > 0)
        {
            _pretrainText = pretrainText ?? throw new ArgumentException("ppo.pretrainCoefficient needs the pretraining text");
            _pretrainCoefficient = Scalars.Constant(options.PretrainCoefficient);
        }
    }

    public PolicyWithValue Policy { get; }

    public AdamOptimizer Optimizer { get; }

    /// <summary>The minibatch-order stream; save and restore its state with a checkpoint.</summary>
    public SplitMix64 MinibatchRandom { get; }

    /// <summary>Updates applied so far: the version of the policy the learner holds.</summary>
    public long Version { get; set; }

    /// <summary>Advantages and returns [B, L] of a rollout under leash <paramref name="beta"/>, with each completion's sampled KL.</summary>
    public (float[] Advantages, float[] Returns, double[] Kl) Advantages(TextRollout rollout, double beta)
    {
        var (rewards, kl) = KlPenalizedRewards.Compute(rollout, beta);
        int count = rollout.Count, length = rollout.CompletionLength;
        // GeneralizedAdvantage reads [T, N] = [L, B]: transpose in and out.
        var byStep = (float[] x) => Transpose(x, count, length);
        var values = byStep(rollout.Values);
        var nextValues = new float[values.Length];
        var terminated = new bool[values.Length];
        for (int t = 0; t < length; t++)
            for (int b = 0; b < count; b++)
            {
                int i = t * count + b;
                if (t + 1 < length) nextValues[i] = values[i + count];
                else terminated[i] = true;
            }
        var (advantages, returns) = GeneralizedAdvantage.Compute(length, count, byStep(rewards), values, nextValues, terminated,
            new bool[values.Length], _options.Gamma, _options.Lambda);
        return (Transpose(advantages, length, count), Transpose(returns, length, count), kl);
    }

    /// <summary>One learner update from a rollout: advantages, then K epochs over shuffled minibatches of completions.</summary>
    public LanguagePpoMetrics Update(TextRollout rollout, double beta)
    {
        if (rollout.Count % _options.MinibatchSize != 0)
            throw new ArgumentException($"{rollout.Count} completions do not split into minibatches of {_options.MinibatchSize}");
        var (advantages, returns, kl) = Advantages(rollout, beta);
        int count = rollout.Count, length = rollout.CompletionLength;
        using var scope = NewDisposeScope();
        var device = Policy.Lm.Device;
        var tokens = tensor(rollout.Tokens, [count, rollout.SequenceLength], ScalarType.Int64).to(device);
        var oldLogProbs = tensor(rollout.LogProbs, [count, length]).to(device);
        var oldValues = tensor(rollout.Values, [count, length]).to(device);
        var advantageTensor = tensor(advantages, [count, length]).to(device);
        var returnTensor = tensor(returns, [count, length]).to(device);
        var order = Enumerable.Range(0, count).ToArray();
        var means = new SurrogateLossAverage();
        double pretrainLoss = 0;
        int steps = 0;
        for (int epoch = 0; epoch < _options.Epochs; epoch++)
        {
            MinibatchRandom.Shuffle(order);
            for (int start = 0; start < count; start += _options.MinibatchSize)
            {
                using var stepScope = NewDisposeScope();
                var rows = tensor(order.AsSpan(start, _options.MinibatchSize).ToArray().Select(i => (long)i).ToArray(), ScalarType.Int64).to(device);
                Optimizer.ZeroGrad();
                var (logProbs, tokenEntropy, values) = CompletionEvaluation.OfPolicy(Policy, tokens.index_select(0, rows), rollout.PromptLength);
                var loss = ClippedSurrogateLoss.Compute(new PolicyEvaluation(logProbs.flatten(), tokenEntropy.flatten(), values.flatten()),
                    oldLogProbs.index_select(0, rows).flatten(), oldValues.index_select(0, rows).flatten(),
                    advantageTensor.index_select(0, rows).flatten(), returnTensor.index_select(0, rows).flatten(),
                    _options.Clip, _options.ValueCoefficient, _options.EntropyCoefficient, _options.ValueClip, normalizeAdvantages: true);
                var total = loss.Total;
                if (_pretrainText is not null)
                {
                    // InstructGPT's PPO-ptx: gamma times the LM loss on pretraining text, so fine-tuning does not unlearn the language.
                    var (inputs, targets) = _pretrainText.SampleWindows(false, _options.PretrainBatchSize, Policy.Lm.ContextLength, _pretrainWindows);
                    var lmLoss = LanguageModelLoss.Compute(Policy.Lm.forward(inputs.to(device)), targets.to(device));
                    pretrainLoss += lmLoss.item<float>();
                    total = total.add(lmLoss, _pretrainCoefficient!);
                }
                total.backward();
                if (_options.MaxGradNorm > 0) nn.utils.clip_grad_norm_(Policy.parameters(), _options.MaxGradNorm);
                Optimizer.Step();
                means.Add(loss);
                steps++;
            }
        }
        Version++;
        return new LanguagePpoMetrics(means.PolicyLoss, means.ValueLoss, means.Entropy, means.ApproxKl, means.ClipFraction,
            kl.Average(), rollout.Scores.Average(), beta, _pretrainText is null ? null : pretrainLoss / steps);
    }

    private static float[] Transpose(float[] x, int rows, int columns)
    {
        var y = new float[x.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) y[c * rows + r] = x[r * columns + c];
        return y;
    }
}

/// <summary>What one RLHF PPO update measured, averaged over its minibatch steps (the KL and the score over its rollout).</summary>
/// <param name="PolicyLoss">The clipped surrogate loss.</param>
/// <param name="ValueLoss">The value loss (clipped around the old values).</param>
/// <param name="Entropy">Mean entropy per completion token (nats).</param>
/// <param name="ApproxKl">E[(r - 1) - log r] between the sampling policy and the updated one.</param>
/// <param name="ClipFraction">Fraction of tokens whose ratio left the clip band.</param>
/// <param name="Kl">Mean over the rollout's completions of the summed log pi_old - log pi_ref (nats per completion).</param>
/// <param name="Score">Mean reward-model score of the rollout.</param>
/// <param name="Beta">The KL coefficient the rewards were computed with.</param>
/// <param name="PretrainLoss">With PPO-ptx, the policy's cross-entropy on the pretraining windows (nats per character, before each step); else null.</param>
public sealed record LanguagePpoMetrics(double PolicyLoss, double ValueLoss, double Entropy, double ApproxKl, double ClipFraction,
    double Kl, double Score, double Beta, double? PretrainLoss = null);
