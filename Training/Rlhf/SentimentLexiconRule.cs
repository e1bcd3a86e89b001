using DistGen.Training.Data;

namespace DistGen.Training.Rlhf;

/// <summary>
/// The hidden rule of the classic positive-sentiment task, in the King James Bible's words, with the coherence a person
/// would also judge: score = (sum of the valences of the words the completion finishes) - (the number of those words that
/// are not words of the KJV training text, i.e. made up). Joy, peace, love, praise and their kin count +1 to +3; death,
/// evil, wrath, the sword and theirs count -1 to -3; every other word 0. A word is a run of ASCII letters, compared
/// case-insensitively; a run that reaches the end of the completion is not finished (it may go on) and does not count.
/// The sentiment part is 0 for about 70 % of 48-character verse continuations and for about 87 % of a 1,500-step
/// char-LM's completions, so the base model does not already satisfy it; with the coherence part, two completions of the
/// same prompt tie on about a quarter of pairs, so a labeler has a preference on most of them.
/// </summary>
public sealed class SentimentLexiconRule : IPreferenceRule
{
    public const string RuleName = "sentiment";

    private readonly Func<IReadOnlySet<string>> _knownWords;

    /// <summary>The rule with the words of the KJV training text as its known words (loaded from the data cache on first use).</summary>
    public SentimentLexiconRule() : this(() => KingJamesWords.Value) { }

    /// <summary>The rule with <paramref name="knownWords"/> (lower case) as the words that are not made up.</summary>
    public SentimentLexiconRule(IReadOnlySet<string> knownWords) : this(() => knownWords) { }

    private SentimentLexiconRule(Func<IReadOnlySet<string>> knownWords) => _knownWords = knownWords;

    private static readonly Lazy<IReadOnlySet<string>> KingJamesWords = new(() =>
    {
        var corpus = KingJamesBible.Load(DataCache.Default);
        return WordsOf(corpus.Decode(corpus.Train.Select(t => (long)t)));
    }, LazyThreadSafetyMode.PublicationOnly);

    /// <summary>The distinct lower-case words (runs of ASCII letters) of a text.</summary>
    public static IReadOnlySet<string> WordsOf(string text)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        int start = -1;
        for (int i = 0; i <= text.Length; i++)
        {
            bool letter = i < text.Length && char.IsAsciiLetter(text[i]);
            if (letter && start < 0) start = i;
            else if (!letter && start >= 0)
            {
                words.Add(text[start..i].ToLowerInvariant());
                start = -1;
            }
        }
        return words;
    }

    /// <summary>Every word of the lexicon with its valence.</summary>
    public static IReadOnlyDictionary<string, int> Valences { get; } = BuildLexicon();

    public string Name => RuleName;

    public string Description =>
        "sum of the valences of the completion's finished words (joy, peace, love, praise, ... +1 to +3; death, evil, wrath, sword, ... -1 to -3) " +
        "minus one for each of them that is not a KJV word (Training/Rlhf/SentimentLexiconRule.cs)";

    public double Score(string completion)
    {
        var known = _knownWords();
        int score = 0, start = -1;
        for (int i = 0; i < completion.Length; i++)
        {
            bool letter = char.IsAsciiLetter(completion[i]);
            if (letter && start < 0) start = i;
            else if (!letter && start >= 0)
            {
                var word = completion[start..i].ToLowerInvariant();
                score += known.Contains(word) ? Valences.GetValueOrDefault(word) : -1;
                start = -1;
            }
        }
        return score;
    }

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
