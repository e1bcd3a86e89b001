using DistGen.Training.Core;

namespace DistGen.Training.Rlhf;

/// <summary>
/// The prompts of an RLHF job, from the validation part of the KJV text (text the policy was not trained on): for each
/// verse whose opening words fit, the opening (<c>Words</c> words and the space after them) preceded by the text before it,
/// so every prompt has exactly <c>Length</c> characters and a batch decodes in lockstep. The verse that the split cuts is
/// skipped, as are verses of no more than <c>Words</c> words. A seeded shuffle puts <c>HeldOut</c> prompts aside for
/// evaluation; the rest are the training prompts, used for labels and PPO.
/// </summary>
public sealed class PromptSet
{
    public PromptSet(string heldOutText, RlhfPromptOptions options, long seed)
    {
        var all = Openings(heldOutText, options).ToList();
        if (all.Count < options.HeldOut + 2)
            throw new ArgumentException($"the held-out text gives {all.Count} prompts of {options.Words} words in {options.Length} characters; " +
                $"prompts.heldOut ({options.HeldOut}) leaves fewer than 2 to train on (use fewer words, a longer length or fewer held-out prompts)");
        var order = Enumerable.Range(0, all.Count).ToArray();
        new SplitMix64(Seeding.Derive(seed, "prompts")).Shuffle(order);
        Evaluation = order.Take(options.HeldOut).Order().Select((p, i) => all[p] with { Index = i }).ToList();
        Training = order.Skip(options.HeldOut).Order().Select((p, i) => all[p] with { Index = i }).ToList();
    }

    /// <summary>Prompts for comparisons and PPO, indexed 0..n-1.</summary>
    public IReadOnlyList<RlhfPrompt> Training { get; }

    /// <summary>Held-out prompts for evaluation, indexed 0..n-1.</summary>
    public IReadOnlyList<RlhfPrompt> Evaluation { get; }

    private static IEnumerable<RlhfPrompt> Openings(string text, RlhfPromptOptions options)
    {
        // The first line is the end of a verse the train/validation split cut; every later line starts a verse.
        int start = text.IndexOf('\n') + 1;
        while (start > 0 && start < text.Length)
        {
            int end = text.IndexOf('\n', start);
            if (end < 0) break;
            var verse = text.AsSpan(start, end - start);
            if (OpeningLength(verse, options.Words) is int opening && opening <= options.Length && start >= options.Length - opening)
            {
                int contextLength = options.Length - opening;
                yield return new RlhfPrompt(0, text.Substring(start - contextLength, contextLength), text.Substring(start, opening));
            }
            start = end + 1;
        }
    }

    // Characters of the first `words` words and the space after them; null when the verse has no more words than that.
    private static int? OpeningLength(ReadOnlySpan<char> verse, int words)
    {
        int seen = 0;
        for (int i = 0; i < verse.Length; i++)
        {
            if (verse[i] != ' ') continue;
            if (++seen == words) return i + 1 < verse.Length ? i + 1 : null;
        }
        return null;
    }
}
