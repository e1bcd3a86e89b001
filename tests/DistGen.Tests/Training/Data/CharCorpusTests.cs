using DistGen.Training.Core;
using DistGen.Training.Data;
using static TorchSharp.torch;

namespace DistGen.Tests.Training.Data;

public sealed class CharCorpusTests
{
    private const string Text = "In the beginning God created the heaven and the earth.\nAnd the earth was without form, and void.\n";

    [Fact]
    public void Vocabulary_is_the_sorted_distinct_characters()
    {
        var corpus = new CharCorpus("banana\n");
        Assert.Equal("\nabn", corpus.Vocabulary);
        Assert.Equal(new long[] { 2, 1, 3, 1, 3, 1 }, corpus.Encode("banana"));
    }

    [Fact]
    public void Encode_then_decode_gives_the_text_back()
    {
        var corpus = new CharCorpus(Text);
        Assert.Equal(Text, corpus.Decode(corpus.Encode(Text)));
        Assert.Equal("God and the earth", corpus.Decode(corpus.Encode("God and the earth")));
    }

    [Fact]
    public void Character_outside_the_vocabulary_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentException>(() => new CharCorpus(Text).Encode("Zion"));
        Assert.Contains("'Z'", error.Message);
    }

    [Fact]
    public void Validation_is_the_last_tenth_and_the_split_is_the_same_every_time()
    {
        var a = new CharCorpus(Text);
        var b = new CharCorpus(Text);
        int validationLength = (int)Math.Round(Text.Length * 0.1);

        Assert.Equal(Text.Length - validationLength, a.Train.Length);
        Assert.Equal(validationLength, a.Validation.Length);
        Assert.Equal(a.Tokens, a.Train.Concat(a.Validation));
        Assert.Equal(Text[^validationLength..], a.Decode(a.Validation.Select(t => (long)t)));
        Assert.Equal(a.Train, b.Train);
        Assert.Equal(a.Validation, b.Validation);
    }

    [Fact]
    public void Windows_are_int64_B_T_with_targets_shifted_by_one()
    {
        var corpus = new CharCorpus(Text);
        var (inputs, targets) = CharCorpus.SampleWindows(corpus.Train, batch: 4, context: 8, new SplitMix64(5));
        using (inputs)
        using (targets)
        {
            Assert.Equal(new long[] { 4, 8 }, inputs.shape);
            Assert.Equal(ScalarType.Int64, targets.dtype);
            for (int b = 0; b < 4; b++)
            {
                var x = inputs[b].data<long>().ToArray();
                var y = targets[b].data<long>().ToArray();
                Assert.Equal(x[1..], y[..^1]);
                // The window (input plus last target) is a real substring of the training text.
                Assert.Contains(corpus.Decode(x.Append(y[^1])), Text);
            }
        }
    }

    [Fact]
    public void Same_generator_state_draws_the_same_windows()
    {
        var corpus = new CharCorpus(Text);
        var (a, _) = CharCorpus.SampleWindows(corpus.Train, 3, 5, new SplitMix64(11));
        var (b, _) = CharCorpus.SampleWindows(corpus.Train, 3, 5, new SplitMix64(11));
        var (c, _) = CharCorpus.SampleWindows(corpus.Train, 3, 5, new SplitMix64(12));
        Assert.Equal(a.data<long>().ToArray(), b.data<long>().ToArray());
        Assert.NotEqual(a.data<long>().ToArray(), c.data<long>().ToArray());
    }

    [Fact]
    public void Too_short_a_token_sequence_for_the_context_is_refused()
    {
        Assert.Throws<ArgumentException>(() => CharCorpus.SampleWindows(new int[8], 1, 8, new SplitMix64(1)));
    }
}
