using DistGen.Training.Rlhf;

namespace DistGen.Tests.Training.Rlhf;

public sealed class PromptSetTests
{
    // The first line is the tail of a verse cut by the split; then verses, one a line.
    private const string Text =
        "end of a cut verse.\n" +
        "And he said unto them, Go.\n" +
        "For the LORD is good.\n" +
        "Jesus wept.\n" +
        "Then came the disciples unto him.\n" +
        "And it came to pass in those days.\n" +
        "Blessed are the meek.\n";

    [Fact]
    public void Prompts_are_verse_openings_after_the_text_before_them_all_of_one_length()
    {
        var set = new PromptSet(Text, new RlhfPromptOptions { Words = 3, Length = 24, HeldOut = 2 }, seed: 1);
        var all = set.Training.Concat(set.Evaluation).ToList();
        // "Jesus wept." has only 2 words: skipped. The rest: 5 verses.
        Assert.Equal(5, all.Count);
        Assert.All(all, p => Assert.Equal(24, p.Text.Length));
        Assert.All(all, p => Assert.EndsWith(" ", p.Opening));
        Assert.All(all, p => Assert.EndsWith("\n", p.Context));
        Assert.Contains(all, p => p.Opening == "And he said " && p.Context == " cut verse.\n");
        Assert.Contains(all, p => p.Opening == "For the LORD " && p.Context == " them, Go.\n");
        Assert.Equal(2, set.Evaluation.Count);
        Assert.Equal([0, 1, 2], set.Training.Select(p => p.Index));
        Assert.Empty(set.Training.Select(p => p.Text).Intersect(set.Evaluation.Select(p => p.Text)));
    }

    [Fact]
    public void The_held_out_prompts_are_the_same_for_the_same_seed()
    {
        var options = new RlhfPromptOptions { Words = 3, Length = 24, HeldOut = 2 };
        Assert.Equal(new PromptSet(Text, options, 4).Evaluation.Select(p => p.Text), new PromptSet(Text, options, 4).Evaluation.Select(p => p.Text));
    }

    [Fact]
    public void Too_few_prompts_for_the_held_out_share_is_a_clear_error()
    {
        var error = Assert.Throws<ArgumentException>(() => new PromptSet(Text, new RlhfPromptOptions { Words = 3, Length = 24, HeldOut = 8 }, 1));
        Assert.Contains("prompts.heldOut (8)", error.Message);
    }
}
