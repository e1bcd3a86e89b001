using DistGen.Training.Core;
using DistGen.Training.Rl;

namespace DistGen.Training.Rlhf;

/// <summary>
/// A <see cref="TextRollout"/> as one float32 tensor for the data plane, [B, (P + L) + 3L + 2]: per completion its
/// tokens, then log pi_old, log pi_ref and V_old per completion token, then the reward-model score and the prompt index.
/// Token ids and prompt indices are whole numbers far below 2^24, so float32 carries them exactly. The learner decodes
/// what an actor pushed and refuses it (<see cref="InvalidTrajectoryException"/>) unless it is of the run's shape, every
/// token is in the vocabulary, every prompt index names a training prompt and every number is finite.
/// </summary>
public static class TextRolloutWire
{
    public static (long[] Shape, float[] Data) Encode(TextRollout rollout)
    {
        var (b, w, l) = (rollout.Count, rollout.SequenceLength, rollout.CompletionLength);
        int row = RowLength(w, l);
        var data = new float[b * row];
        for (int i = 0; i < b; i++)
        {
            var span = data.AsSpan(i * row, row);
            for (int t = 0; t < w; t++) span[t] = rollout.Tokens[i * w + t];
            rollout.LogProbs.AsSpan(i * l, l).CopyTo(span[w..]);
            rollout.ReferenceLogProbs.AsSpan(i * l, l).CopyTo(span[(w + l)..]);
            rollout.Values.AsSpan(i * l, l).CopyTo(span[(w + 2 * l)..]);
            span[w + 3 * l] = rollout.Scores[i];
            span[w + 3 * l + 1] = rollout.PromptIndices[i];
        }
        return ([b, row], data);
    }

    /// <summary>The rollout of <paramref name="count"/> completions an actor pushed for policy <paramref name="version"/>, checked.</summary>
    public static TextRollout Decode(long[] shape, float[] data, int count, int promptLength, int completionLength, int vocabulary, int prompts, long version)
    {
        int w = promptLength + completionLength, l = completionLength, row = RowLength(w, l);
        if (shape.Length != 2 || shape[0] != count || shape[1] != row || data.Length != count * row)
            throw new InvalidTrajectoryException(TrajectoryFault.InconsistentLengths,
                $"a text rollout of shape [{string.Join(", ", shape)}] with {data.Length} values; this order's is [{count}, {row}] ({count} completions of {promptLength} + {completionLength} tokens)");
        int bad = FiniteValues.FirstNonFinite(data);
        if (bad >= 0) throw new InvalidTrajectoryException(TrajectoryFault.NonFiniteValues, $"value {data[bad]} at index {bad}");
        var rollout = new TextRollout(count, promptLength, completionLength) { PolicyVersion = version };
        for (int i = 0; i < count; i++)
        {
            var span = data.AsSpan(i * row, row);
            for (int t = 0; t < w; t++) rollout.Tokens[i * w + t] = WholeNumber(span[t], vocabulary, $"token {t} of completion {i}");
            span.Slice(w, l).CopyTo(rollout.LogProbs.AsSpan(i * l));
            span.Slice(w + l, l).CopyTo(rollout.ReferenceLogProbs.AsSpan(i * l));
            span.Slice(w + 2 * l, l).CopyTo(rollout.Values.AsSpan(i * l));
            rollout.Scores[i] = span[w + 3 * l];
            rollout.PromptIndices[i] = (int)WholeNumber(span[w + 3 * l + 1], prompts, $"the prompt index of completion {i}");
        }
        if (rollout.LogProbs.Concat(rollout.ReferenceLogProbs).FirstOrDefault(p => p > 0) is var positive && positive > 0)
            throw new InvalidTrajectoryException(TrajectoryFault.MalformedValues, $"a log-probability of {positive}, above 0");
        return rollout;
    }

    /// <summary>Completions [n, L] of token ids as floats, as a sampling actor pushes them.</summary>
    public static (long[] Shape, float[] Data) EncodeCompletions(IReadOnlyList<long[]> completions, int length)
    {
        var data = new float[completions.Count * length];
        for (int i = 0; i < completions.Count; i++)
        {
            if (completions[i].Length != length) throw new ArgumentException($"completion {i} has {completions[i].Length} tokens, not {length}");
            for (int t = 0; t < length; t++) data[i * length + t] = completions[i][t];
        }
        return ([completions.Count, length], data);
    }

    /// <summary>The <paramref name="count"/> completions of <paramref name="length"/> tokens a sampling actor pushed, checked.</summary>
    public static long[][] DecodeCompletions(long[] shape, float[] data, int count, int length, int vocabulary)
    {
        if (shape.Length != 2 || shape[0] != count || shape[1] != length || data.Length != count * length)
            throw new InvalidTrajectoryException(TrajectoryFault.InconsistentLengths,
                $"completions of shape [{string.Join(", ", shape)}] with {data.Length} values; this order's are [{count}, {length}]");
        return Enumerable.Range(0, count).Select(i => Enumerable.Range(0, length)
            .Select(t => WholeNumber(data[i * length + t], vocabulary, $"token {t} of completion {i}")).ToArray()).ToArray();
    }

    private static int RowLength(int sequence, int completion) => sequence + 3 * completion + 2;

    private static long WholeNumber(float value, int limit, string what)
    {
        if (!float.IsFinite(value) || value < 0 || value >= limit || value != MathF.Floor(value))
            throw new InvalidTrajectoryException(TrajectoryFault.MalformedValues, $"{what} is {value}; it must be a whole number in 0..{limit - 1}");
        return (long)value;
    }
}
