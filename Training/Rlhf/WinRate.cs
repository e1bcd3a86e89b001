namespace DistGen.Training.Rlhf;

/// <summary>
/// The win rate of one policy over another on the same prompts under a noise-free rule: a prompt is a win when the first
/// policy's completion scores higher, a loss when lower, half a win on a tie.
/// </summary>
public static class WinRate
{
    public static double Of(IReadOnlyList<double> scores, IReadOnlyList<double> againstScores)
    {
        if (scores.Count != againstScores.Count || scores.Count == 0)
            throw new ArgumentException($"win rate needs the same non-zero number of scores on both sides ({scores.Count} vs {againstScores.Count})");
        double wins = 0;
        for (int i = 0; i < scores.Count; i++) wins += scores[i] > againstScores[i] ? 1 : scores[i] == againstScores[i] ? 0.5 : 0;
        return wins / scores.Count;
    }
}
