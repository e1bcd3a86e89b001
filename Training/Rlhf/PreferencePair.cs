namespace DistGen.Training.Rlhf;

/// <summary>
/// One pairwise comparison: for request <paramref name="RequestId"/>, completion <paramref name="Chosen"/> was preferred
/// to completion <paramref name="Rejected"/> (indices into the request's completions).
/// </summary>
public readonly record struct PreferencePair(string RequestId, int Chosen, int Rejected)
{
    /// <summary>
    /// The K(K-1)/2 pairs a ranking of K completions implies, as InstructGPT turns rankings into comparisons: every
    /// completion is preferred to each one ranked below it. Pairs come in ranking order (best against the rest first).
    /// </summary>
    public static IReadOnlyList<PreferencePair> FromRanking(string requestId, IReadOnlyList<int> ranking)
    {
        var pairs = new List<PreferencePair>(ranking.Count * (ranking.Count - 1) / 2);
        for (int better = 0; better < ranking.Count; better++)
            for (int worse = better + 1; worse < ranking.Count; worse++)
                pairs.Add(new PreferencePair(requestId, ranking[better], ranking[worse]));
        return pairs;
    }
}
