namespace DistGen.Training.Rlhf;

/// <summary>
/// One line of an answers file: a ranking of a request's completions (best first), a skip, or the undoing of the
/// request's earlier answer. A file is replayed in order; the last answer to a request stands (<see cref="LabelAnswers"/>).
/// </summary>
/// <param name="Id">The request answered.</param>
/// <param name="Ranking">Completion indices, best first; null for a skip or an undo.</param>
/// <param name="Skipped">The labeler passed: the request gives no comparisons.</param>
/// <param name="Undone">Withdraws the request's earlier answer: it is unanswered again.</param>
/// <param name="Labeler">Who answered: "person" or a synthetic labeler's signature.</param>
public sealed record LabelAnswer(string Id, int[]? Ranking, bool Skipped, bool Undone, string Labeler)
{
    public static LabelAnswer Ranked(string id, int[] ranking, string labeler) => new(id, ranking, false, false, labeler);

    public static LabelAnswer Skip(string id, string labeler) => new(id, null, true, false, labeler);

    public static LabelAnswer Undo(string id, string labeler) => new(id, null, false, true, labeler);
}
