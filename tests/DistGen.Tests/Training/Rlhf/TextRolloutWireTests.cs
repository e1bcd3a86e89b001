using DistGen.Training.Rl;
using DistGen.Training.Rlhf;

namespace DistGen.Tests.Training.Rlhf;

/// <summary>What a text actor pushes, as the learner reads it: every malformed rollout is refused by name, never trained on.</summary>
public sealed class TextRolloutWireTests
{
    private const int Vocabulary = 30, Prompts = 50;

    // Two completions of 3 tokens after prompts of 2 tokens.
    private static TextRollout Rollout()
    {
        var rollout = new TextRollout(2, 2, 3) { PolicyVersion = 4 };
        long[] tokens = [1, 2, 3, 4, 5, 6, 7, 8, 9, 29];
        tokens.CopyTo(rollout.Tokens, 0);
        for (int i = 0; i < 6; i++)
        {
            rollout.LogProbs[i] = -0.5f - i;
            rollout.ReferenceLogProbs[i] = -1.25f - i;
            rollout.Values[i] = 0.1f * i - 0.2f;
        }
        (rollout.Scores[0], rollout.Scores[1]) = (1.5f, -2.25f);
        (rollout.PromptIndices[0], rollout.PromptIndices[1]) = (7, 49);
        return rollout;
    }

    private static TextRollout Decode((long[] Shape, float[] Data) wire) =>
        TextRolloutWire.Decode(wire.Shape, wire.Data, 2, 2, 3, Vocabulary, Prompts, version: 4);

    [Fact]
    public void A_rollout_comes_back_exactly_as_it_was_encoded()
    {
        var sent = Rollout();
        var received = Decode(TextRolloutWire.Encode(sent));
        Assert.Equal(sent.Tokens, received.Tokens);
        Assert.Equal(sent.LogProbs, received.LogProbs);
        Assert.Equal(sent.ReferenceLogProbs, received.ReferenceLogProbs);
        Assert.Equal(sent.Values, received.Values);
        Assert.Equal(sent.Scores, received.Scores);
        Assert.Equal(sent.PromptIndices, received.PromptIndices);
        Assert.Equal(4, received.PolicyVersion);
    }

    [Theory]
    [InlineData("shape", TrajectoryFault.InconsistentLengths)]
    [InlineData("nan", TrajectoryFault.NonFiniteValues)]
    [InlineData("token beyond the vocabulary", TrajectoryFault.MalformedValues)]
    [InlineData("fractional token", TrajectoryFault.MalformedValues)]
    [InlineData("negative prompt", TrajectoryFault.MalformedValues)]
    [InlineData("prompt beyond the set", TrajectoryFault.MalformedValues)]
    [InlineData("positive log-probability", TrajectoryFault.MalformedValues)]
    public void A_malformed_rollout_is_refused_by_name(string fault, TrajectoryFault expected)
    {
        var (shape, data) = TextRolloutWire.Encode(Rollout());
        int row = (int)shape[1];
        switch (fault)
        {
            case "shape": shape = [3, row]; break;
            case "nan": data[row + 7] = float.NaN; break;
            case "token beyond the vocabulary": data[1] = Vocabulary; break;
            case "fractional token": data[2] = 2.5f; break;
            case "negative prompt": data[row - 1] = -1; break;
            case "prompt beyond the set": data[2 * row - 1] = Prompts; break;
            case "positive log-probability": data[5] = 0.25f; break;
        }
        var refused = Assert.Throws<InvalidTrajectoryException>(() => TextRolloutWire.Decode(shape, data, 2, 2, 3, Vocabulary, Prompts, version: 4));
        Assert.Equal(expected, refused.Fault);
    }

    [Fact]
    public void Completions_round_trip_and_a_token_outside_the_vocabulary_is_refused()
    {
        long[][] completions = [[0, 5, 29], [3, 3, 1]];
        var (shape, data) = TextRolloutWire.EncodeCompletions(completions, 3);
        Assert.Equal(completions, TextRolloutWire.DecodeCompletions(shape, data, 2, 3, Vocabulary));
        data[4] = 31;
        Assert.Equal(TrajectoryFault.MalformedValues, Assert.Throws<InvalidTrajectoryException>(() => TextRolloutWire.DecodeCompletions(shape, data, 2, 3, Vocabulary)).Fault);
        Assert.Equal(TrajectoryFault.InconsistentLengths, Assert.Throws<InvalidTrajectoryException>(() => TextRolloutWire.DecodeCompletions(shape, data, 3, 3, Vocabulary)).Fault);
    }

    [Fact]
    public void Work_splits_into_contiguous_slices_that_cover_every_item_once()
    {
        Assert.Equal([(0, 3), (3, 3), (6, 2), (8, 2)], Enumerable.Range(0, 4).Select(a => ActorSlices.Of(10, 4, a)));
        Assert.Equal([(0, 0), (0, 0), (0, 0)], Enumerable.Range(0, 3).Select(a => ActorSlices.Of(0, 3, a)));
        Assert.Equal([5, 6], ActorSlices.Slice(new[] { 1, 2, 3, 4, 5, 6 }, 3, 2));
    }
}
