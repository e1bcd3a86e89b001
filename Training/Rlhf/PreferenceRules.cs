namespace DistGen.Training.Rlhf;

/// <summary>The preference rules a synthetic labeler can rank by, by name.</summary>
public static class PreferenceRules
{
    private static readonly IReadOnlyDictionary<string, IPreferenceRule> All =
        new IPreferenceRule[] { new SentimentLexiconRule() }.ToDictionary(r => r.Name, StringComparer.Ordinal);

    public static IEnumerable<IPreferenceRule> Rules => All.Values;

    public static IEnumerable<string> Names => All.Keys;

    /// <summary>The rule named <paramref name="name"/>; throws with the allowed names when there is none.</summary>
    public static IPreferenceRule Named(string name) => All.TryGetValue(name, out var rule) ? rule
        : throw new ArgumentException($"unknown preference rule \"{name}\"; allowed: {string.Join(", ", All.Keys)}");
}
