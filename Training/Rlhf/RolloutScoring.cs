using DistGen.Training.Language;
using static TorchSharp.torch;

namespace DistGen.Training.Rlhf;

/// <summary>
/// Fills a <see cref="TextRollout"/> for sampled sequences with what the learner needs, without gradients, in batches:
/// the sampling policy's token log-probabilities and values, the frozen reference's log-probabilities, and the
/// reward model's score of each whole sequence. What a rollout actor does after sampling.
/// </summary>
public static class RolloutScoring
{
    public static TextRollout Score(long[] sequences, int[] promptIndices, int promptLength, int completionLength,
        PolicyWithValue policy, CharTransformer reference, RewardModel rewardModel, long policyVersion)
    {
        int count = promptIndices.Length, width = promptLength + completionLength;
        var rollout = new TextRollout(count, promptLength, completionLength) { PolicyVersion = policyVersion };
        sequences.CopyTo(rollout.Tokens, 0);
        promptIndices.CopyTo(rollout.PromptIndices, 0);
        using var policyMode = EvaluationMode.Enter(policy);
        using var referenceMode = EvaluationMode.Enter(reference);
        using var rewardMode = EvaluationMode.Enter(rewardModel);
        using var noGrad = no_grad();
        SequenceBatches.ForEach(sequences, width, policy.Lm.Device, (start, _, tokens) =>
        {
            var (logProbs, _, values) = CompletionEvaluation.OfPolicy(policy, tokens, promptLength);
            var referenceLogProbs = CompletionEvaluation.TokenLogProbs(CompletionEvaluation.LogSoftmaxOf(reference, tokens, promptLength), tokens, promptLength);
            var scores = rewardModel.forward(tokens.to(rewardModel.Trunk.Device));
            Copy(logProbs, rollout.LogProbs, start * completionLength);
            Copy(values, rollout.Values, start * completionLength);
            Copy(referenceLogProbs, rollout.ReferenceLogProbs, start * completionLength);
            Copy(scores, rollout.Scores, start);
        });
        return rollout;
    }

    private static void Copy(Tensor from, float[] to, int offset) =>
        from.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray().CopyTo(to, offset);
}
