namespace DistGen.Training.Rlhf;

/// <summary>
/// The hidden rule of the classic positive-sentiment task, in the King James Bible's words: the score of a completion is
/// the sum of the valences of the words it finishes. Joy, peace, love, praise and their kin count +1 to +3; death, evil,
/// wrath, the sword and theirs count -1 to -3; every other word 0. A word is a run of ASCII letters, compared
/// case-insensitively; a run that reaches the end of the completion is not finished (it may go on) and does not count.
/// Verse text scores 0 most of the time (about 70 % of 48-character verse continuations hold no word of the lexicon),
/// so a base model trained on it does not already satisfy the rule.
/// </summary>
public sealed class SentimentLexiconRule : IPreferenceRule
{
    public const string RuleName = "sentiment";

    /// <summary>Every word of the lexicon with its valence.</summary>
    public static IReadOnlyDictionary<string, int> Valences { get; } = BuildLexicon();

    public string Name => RuleName;

    public string Description =>
        "sum of the valences of the completion's words: joy, peace, love, praise, ... +1 to +3; death, evil, wrath, sword, ... -1 to -3 (Training/Rlhf/SentimentLexiconRule.cs)";

    public double Score(string completion)
    {
        int score = 0, start = -1;
        for (int i = 0; i < completion.Length; i++)
        {
            bool letter = char.IsAsciiLetter(completion[i]);
            if (letter && start < 0) start = i;
            else if (!letter && start >= 0)
            {
                score += ValenceOf(completion.AsSpan(start, i - start));
                start = -1;
            }
        }
        return score;
    }

    private static int ValenceOf(ReadOnlySpan<char> word)
    {
        Span<char> lower = stackalloc char[Math.Min(word.Length, 32)];
        if (word.Length > lower.Length) return 0;
        word.ToLowerInvariant(lower);
        return Lookup.TryGetValue(lower, out int valence) ? valence : 0;
    }

    private static readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Lookup =
        new Dictionary<string, int>(Valences, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    private static Dictionary<string, int> BuildLexicon()
    {
        var lexicon = new Dictionary<string, int>(StringComparer.Ordinal);
        void Add(int valence, string words)
        {
            foreach (var word in words.Split(' ', StringSplitOptions.RemoveEmptyEntries)) lexicon.Add(word, valence);
        }
        Add(+3, "joy joyful rejoice rejoiced rejoicing glad gladness love peace praise praised blessed");
        Add(+2, "loved loveth beloved bless blessing blessings glory glorious glorify glorified good goodness mercy merciful " +
                "grace gracious hope comfort comforted sing salvation kindness pleasant delight thanks thank sweet heal healed");
        Add(+1, "song songs life light holy truth righteous righteousness faith heaven save saved rest living live honour " +
                "rich riches wisdom wise alive");
        Add(-1, "darkness fear blood fire battle burn burnt judgment idols waste fall fell dung spoil");
        Add(-2, "die died dead sin sins sinned iniquity iniquities sword anger angry slain enemies enemy afraid smite smote " +
                "war captivity famine pestilence sorrow weep wept mourn abomination abominations desolate punish plague plagues " +
                "trouble affliction adultery shame ashamed devour devoured");
        Add(-3, "evil wicked wickedness death wrath destroy destroyed destruction slay slew kill killed curse cursed perish fury hate hated");
        return lexicon;
    }
}
