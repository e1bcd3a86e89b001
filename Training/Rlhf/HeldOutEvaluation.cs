using DistGen.Training.Language;
using static TorchSharp.torch;

namespace DistGen.Training.Rlhf;

/// <summary>
/// How a policy does on the held-out prompts: one completion per prompt at temperature 1 from a fixed stream per prompt
/// (so the starting and the final policy are compared on common random numbers), scored by the reward model and the
/// hidden rule; the exact KL to the reference along each completion; the entropy per token; distinct-2; and the
/// validation loss on the KJV text.
/// </summary>
public static class HeldOutEvaluation
{
    public const string Stream = "evaluation";

    public static HeldOutResult Evaluate(PolicyWithValue policy, CharTransformer reference, RewardModel? rewardModel, ITokenStream tokens,
        IReadOnlyList<RlhfPrompt> prompts, IPreferenceRule rule, int completionLength, long seed, int validationBatches, int validationBatchSize)
    {
        var draws = prompts.Select(p => new CompletionSampler.Draw(p, p.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), 0)).ToArray();
        var completions = CompletionSampler.Sample(policy.Lm, tokens, draws, completionLength, 1.0, seed, Stream);
        var texts = completions.Select(c => tokens.Decode(c)).ToArray();
        var ruleScores = texts.Select(rule.Score).ToArray();
        var sequences = CompletionSampler.Sequences(tokens, prompts, completions);
        int promptLength = prompts[0].Text.Length, width = promptLength + completionLength;
        var rewardScores = new double[prompts.Count];
        double kl = 0, entropy = 0;
        using (EvaluationMode.Enter(policy))
        using (EvaluationMode.Enter(reference))
        using (no_grad())
        {
            SequenceBatches.ForEach(sequences, width, policy.Lm.Device, (start, _, batch) =>
            {
                var policyLogSoftmax = CompletionEvaluation.LogSoftmaxOf(policy.Lm, batch, promptLength);
                var referenceLogSoftmax = CompletionEvaluation.LogSoftmaxOf(reference, batch, promptLength);
                kl += CompletionEvaluation.KlPerCompletion(policyLogSoftmax, referenceLogSoftmax).sum().item<float>();
                entropy += policyLogSoftmax.exp().mul(policyLogSoftmax).sum(-1).neg().sum().item<float>();
                if (rewardModel is not null)
                {
                    using var rewardMode = EvaluationMode.Enter(rewardModel);
                    var rewards = rewardModel.forward(batch).to(ScalarType.Float64).cpu().data<double>().ToArray();
                    rewards.CopyTo(rewardScores, start);
                }
            });
        }
        double validationLoss = LanguageModelStep.EstimateLoss(policy.Lm, tokens, validation: true, validationBatches, validationBatchSize,
            Core.Seeding.Derive(seed, "validation"));
        return new HeldOutResult(texts, ruleScores, rewardModel is null ? null : rewardScores, kl / prompts.Count,
            entropy / ((double)prompts.Count * completionLength), validationLoss, DistinctNGrams.Ratio(texts, 2));
    }
}

/// <summary>A policy's figures on the held-out prompts (see <see cref="HeldOutEvaluation"/>).</summary>
/// <param name="Completions">One completion per held-out prompt.</param>
/// <param name="RuleScores">The hidden rule's score of each.</param>
/// <param name="RewardScores">The reward model's score of each, when there is a reward model.</param>
/// <param name="KlPerCompletion">Mean over completions of sum_t KL(pi(.|prefix_t) || pi_ref(.|prefix_t)), nats.</param>
/// <param name="EntropyPerToken">Mean entropy of the next-token distribution along the completions, nats.</param>
/// <param name="ValidationLoss">Next-character loss on the KJV validation text, nats per character.</param>
/// <param name="Distinct2">Distinct word bigrams over all bigrams of the completions.</param>
public sealed record HeldOutResult(string[] Completions, double[] RuleScores, double[]? RewardScores, double KlPerCompletion,
    double EntropyPerToken, double ValidationLoss, double Distinct2)
{
    public double MeanRuleScore => RuleScores.Average();

    public double MeanRewardScore => RewardScores?.Average() ?? double.NaN;
}
