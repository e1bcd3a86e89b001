namespace DistGen.Training.Rlhf;

/// <summary>
/// B completions of L tokens after prompts of P tokens, as a rollout actor hands them to the RLHF learner: the tokens
/// [B, P + L] and, per completion token t (row-major [B, L], index <c>b * L + t</c>), log pi_old(c_t) of the policy
/// that sampled it, log pi_ref(c_t) of the frozen reference, the value V_old of the prefix before it; and per
/// completion the reward model's score of the whole sequence.
/// </summary>
public sealed class TextRollout
{
    public TextRollout(int count, int promptLength, int completionLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(promptLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(completionLength, 1);
        (Count, PromptLength, CompletionLength) = (count, promptLength, completionLength);
        Tokens = new long[count * (promptLength + completionLength)];
        LogProbs = new float[count * completionLength];
        ReferenceLogProbs = new float[count * completionLength];
        Values = new float[count * completionLength];
        Scores = new float[count];
        PromptIndices = new int[count];
    }

    /// <summary>B: completions.</summary>
    public int Count { get; }

    /// <summary>P: prompt tokens of every completion.</summary>
    public int PromptLength { get; }

    /// <summary>L: completion tokens.</summary>
    public int CompletionLength { get; }

    public int SequenceLength => PromptLength + CompletionLength;

    /// <summary>[B, P + L] prompt and completion tokens.</summary>
    public long[] Tokens { get; }

    /// <summary>[B, L] log pi_old(c_t | prefix) of the sampling policy.</summary>
    public float[] LogProbs { get; }

    /// <summary>[B, L] log pi_ref(c_t | prefix) of the frozen reference policy.</summary>
    public float[] ReferenceLogProbs { get; }

    /// <summary>[B, L] V_old(prefix before c_t).</summary>
    public float[] Values { get; }

    /// <summary>[B] the reward model's score of prompt + completion.</summary>
    public float[] Scores { get; }

    /// <summary>[B] which prompt of the run's prompt set each completion continues.</summary>
    public int[] PromptIndices { get; }

    /// <summary>The policy version (learner update count) that sampled the completions.</summary>
    public long PolicyVersion { get; set; }

    /// <summary>The completion tokens of row <paramref name="b"/>.</summary>
    public ReadOnlySpan<long> Completion(int b) => Tokens.AsSpan(b * SequenceLength + PromptLength, CompletionLength);

    /// <summary>Several rollouts of the same shape, one after another (the learner's global batch, in actor order).</summary>
    public static TextRollout Concatenate(IReadOnlyList<TextRollout> parts)
    {
        if (parts.Count == 0) throw new ArgumentException("nothing to concatenate", nameof(parts));
        if (parts.Count == 1) return parts[0];
        var (p, l) = (parts[0].PromptLength, parts[0].CompletionLength);
        if (parts.Any(x => x.PromptLength != p || x.CompletionLength != l))
            throw new ArgumentException($"rollouts of different shapes cannot be concatenated: {string.Join(", ", parts.Select(x => $"{x.Count}x({x.PromptLength}+{x.CompletionLength})"))}");
        var all = new TextRollout(parts.Sum(x => x.Count), p, l) { PolicyVersion = parts.Min(x => x.PolicyVersion) };
        int row = 0;
        foreach (var part in parts)
        {
            part.Tokens.CopyTo(all.Tokens, row * all.SequenceLength);
            part.LogProbs.CopyTo(all.LogProbs, row * l);
            part.ReferenceLogProbs.CopyTo(all.ReferenceLogProbs, row * l);
            part.Values.CopyTo(all.Values, row * l);
            part.Scores.CopyTo(all.Scores, row);
            part.PromptIndices.CopyTo(all.PromptIndices, row);
            row += part.Count;
        }
        return all;
    }
}
