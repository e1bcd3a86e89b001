namespace DistGen.Training.Rlhf;

/// <summary>
/// One prompt with K completions to rank. The model saw <paramref name="Context"/> + <paramref name="Prompt"/>: the held-out
/// text just before a verse and the verse's opening words; a person ranks the <paramref name="Completions"/> of the opening.
/// </summary>
/// <param name="Id">Unique within the job: "{iteration}-{prompt index}".</param>
/// <param name="Context">The text before the verse opening (the end of the verse before it, with its newline).</param>
/// <param name="Prompt">The verse's opening words, as the completions continue them.</param>
/// <param name="Completions">K = 2..4 completions.</param>
public sealed record LabelRequest(string Id, string Context, string Prompt, IReadOnlyList<string> Completions)
{
    /// <summary>Most completions a request may hold (1 to 4 keys rank them).</summary>
    public const int MaxCompletions = 4;
}
