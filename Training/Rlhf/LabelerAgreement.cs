namespace DistGen.Training.Rlhf;

/// <summary>
/// How often two labelings of the same requests order a pair of completions the same way: over every pair of
/// completions of every request both ranked (K(K-1)/2 pairs per request), the fraction both put in the same order.
/// InstructGPT reports 72.6-77.3 % between its labelers; a synthetic labeler's tau is set to land there.
/// </summary>
public static class LabelerAgreement
{
    public static double Between(IEnumerable<LabelRequest> requests, Func<LabelRequest, int[]?> first, Func<LabelRequest, int[]?> second)
    {
        long agreed = 0, pairs = 0;
        foreach (var request in requests)
        {
            if (first(request) is not { } a || second(request) is not { } b) continue;
            var rankA = PositionsOf(a);
            var rankB = PositionsOf(b);
            for (int i = 0; i < a.Length; i++)
                for (int j = i + 1; j < a.Length; j++)
                {
                    pairs++;
                    if (rankA[i] < rankA[j] == rankB[i] < rankB[j]) agreed++;
                }
        }
        return pairs == 0 ? double.NaN : (double)agreed / pairs;
    }

    // position[c] = where completion c stands in the ranking (0 = best).
    private static int[] PositionsOf(int[] ranking)
    {
        var position = new int[ranking.Length];
        for (int p = 0; p < ranking.Length; p++) position[ranking[p]] = p;
        return position;
    }
}
