using DistGen.Training.Language;
using static TorchSharp.torch;

namespace DistGen.Training.Rlhf;

/// <summary>
/// What a language model says about its completions: sequences [B, P + L] go through the model once (the last token is
/// not needed as input), and the logits at positions P - 1 .. P + L - 2 give, for every completion token c_t, its
/// log-probability, the entropy of the distribution it was drawn from and, for the policy, the value of the prefix before it.
/// </summary>
public static class CompletionEvaluation
{
    /// <summary>log pi(c_t), H(pi(.|prefix)) and V(prefix), each [B, L], with autograd history.</summary>
    public static (Tensor LogProbs, Tensor Entropy, Tensor Values) OfPolicy(PolicyWithValue policy, Tensor tokens, int promptLength)
    {
        long completion = tokens.shape[1] - promptLength;
        var (logits, values) = policy.Forward(tokens.narrow(1, 0, tokens.shape[1] - 1));
        var logSoftmax = logits.narrow(1, promptLength - 1, completion).log_softmax(-1);
        var entropy = logSoftmax.exp().mul(logSoftmax).sum(-1).neg();
        return (TokenLogProbs(logSoftmax, tokens, promptLength), entropy, values.narrow(1, promptLength - 1, completion));
    }

    /// <summary>Log-softmax [B, L, V] of the distributions a language model draws the completion tokens from.</summary>
    public static Tensor LogSoftmaxOf(CharTransformer lm, Tensor tokens, int promptLength)
    {
        long completion = tokens.shape[1] - promptLength;
        return lm.forward(tokens.narrow(1, 0, tokens.shape[1] - 1)).narrow(1, promptLength - 1, completion).log_softmax(-1);
    }

    /// <summary>log p(c_t) [B, L] of the completion tokens, from the log-softmax [B, L, V] they were drawn from.</summary>
    public static Tensor TokenLogProbs(Tensor logSoftmax, Tensor tokens, int promptLength)
    {
        var targets = tokens.narrow(1, promptLength, logSoftmax.shape[1]);
        return logSoftmax.gather(2, targets.unsqueeze(-1)).squeeze(-1);
    }

    /// <summary>
    /// KL(pi || pi_ref) summed over each completion's positions [B], from the two log-softmaxes [B, L, V]: the exact
    /// per-position divergence of the next-token distributions along the sampled completion, in nats per completion.
    /// </summary>
    public static Tensor KlPerCompletion(Tensor policyLogSoftmax, Tensor referenceLogSoftmax) =>
        policyLogSoftmax.exp().mul(policyLogSoftmax.sub(referenceLogSoftmax)).sum(-1).sum(-1);
}
