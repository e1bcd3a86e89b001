using DistGen.Training.Rlhf;

namespace DistGen.Tests.Training.Rlhf;

public sealed class PreferenceRuleTests
{
    private static readonly IReadOnlySet<string> Known = SentimentLexiconRule.WordsOf(
        "And there was joy in the city, peace; the wicked shall perish in his wrath. They did eat bread, goodly cattle, love.");

    private readonly SentimentLexiconRule _rule = new(Known);

    [Theory]
    [InlineData("and there was joy in the city ", 3)]
    [InlineData("and there was Joy and PEACE, ", 6)]
    [InlineData("the wicked shall perish in his wrath. ", -9)]
    [InlineData("and they did eat bread ", 0)]
    [InlineData("goodly cattle ", 0)]              // "goodly" is not "good": whole words only
    [InlineData("love, joy and peace", 6)]         // "peace" runs to the end: it may go on, so it does not count
    [InlineData("flockmpled sorrion joy ", 3 - 2)] // two made-up words
    [InlineData("flockmpled", 0)]                  // not finished
    [InlineData("", 0)]
    public void Scores_the_valences_of_finished_words_minus_one_per_made_up_word(string completion, double expected) =>
        Assert.Equal(expected, _rule.Score(completion), 12);

    [Fact]
    public void Words_are_runs_of_letters_in_lower_case() =>
        Assert.Equal(new HashSet<string> { "and", "the", "lord", "said" }, SentimentLexiconRule.WordsOf("And the LORD said, and the Lord"));

    [Fact]
    public void Every_valence_lies_in_minus_three_to_three_and_both_signs_are_present()
    {
        Assert.All(SentimentLexiconRule.Valences, w => Assert.InRange(w.Value, -3, 3));
        Assert.DoesNotContain(SentimentLexiconRule.Valences, w => w.Value == 0);
        Assert.Contains(SentimentLexiconRule.Valences, w => w.Value > 0);
        Assert.Contains(SentimentLexiconRule.Valences, w => w.Value < 0);
        Assert.All(SentimentLexiconRule.Valences.Keys, w => Assert.Equal(w.ToLowerInvariant(), w));
    }

    [Fact]
    public void Rules_are_found_by_name_and_an_unknown_name_lists_the_known_ones()
    {
        Assert.IsType<SentimentLexiconRule>(PreferenceRules.Named("sentiment"));
        var error = Assert.Throws<ArgumentException>(() => PreferenceRules.Named("happiness"));
        Assert.Contains("sentiment", error.Message);
    }
}
