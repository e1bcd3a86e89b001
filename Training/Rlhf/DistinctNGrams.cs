namespace DistGen.Training.Rlhf;

/// <summary>
/// Distinct-n (Li et al. 2016): distinct word n-grams over all n-grams of a set of texts, n-grams taken within each text.
/// Words are the texts' space-separated pieces. A policy that collapses into repeating a few words scores low.
/// </summary>
public static class DistinctNGrams
{
    public static double Ratio(IEnumerable<string> texts, int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        foreach (var text in texts)
        {
            var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (int i = 0; i + n <= words.Length; i++)
            {
                distinct.Add(string.Join(' ', words, i, n));
                total++;
            }
        }
        return total == 0 ? double.NaN : (double)distinct.Count / total;
    }
}
