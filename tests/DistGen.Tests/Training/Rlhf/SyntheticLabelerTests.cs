using DistGen.Training.Rlhf;

namespace DistGen.Tests.Training.Rlhf;

public sealed class SyntheticLabelerTests
{
    // Scores of completions "a" .. "d" by their first letter: a = 0, b = 1, c = 2, d = 3.
    private sealed class LetterRule : IPreferenceRule
    {
        public string Name => "letters";
        public string Description => "a=0, b=1, c=2, d=3";
        public double Score(string completion) => completion[0] - 'a';
    }

    [Fact]
    public void Without_noise_the_ranking_sorts_by_score_best_first()
    {
        var labeler = new SyntheticLabeler(new LetterRule(), temperature: 0, seed: 1);
        Assert.Equal([3, 1, 0, 2], labeler.Rank("r1", ["b", "c", "a", "d"]));
    }

    [Fact]
    public void Every_pair_is_ordered_with_the_Bradley_Terry_probability()
    {
        // P(a over b) = sigmoid((s_a - s_b) / tau): with tau = 1, "b" (1) beats "a" (0) with p = 0.731 and "d" beats "a" with 0.953.
        var labeler = new SyntheticLabeler(new LetterRule(), temperature: 1.0, seed: 7);
        int n = 20_000, bOverA = 0, dOverA = 0, cOverB = 0;
        for (int i = 0; i < n; i++)
        {
            var ranking = labeler.Rank($"r{i}", ["a", "b", "c", "d"]);
            int Position(int c) => Array.IndexOf(ranking, c);
            if (Position(1) < Position(0)) bOverA++;
            if (Position(3) < Position(0)) dOverA++;
            if (Position(2) < Position(1)) cOverB++;
        }
        double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
        // 4 standard errors of a proportion near 0.7 over 20,000 draws is about 0.013.
        Assert.InRange(bOverA / (double)n, Sigmoid(1) - 0.013, Sigmoid(1) + 0.013);
        Assert.InRange(cOverB / (double)n, Sigmoid(1) - 0.013, Sigmoid(1) + 0.013);
        Assert.InRange(dOverA / (double)n, Sigmoid(3) - 0.006, Sigmoid(3) + 0.006);
    }

    [Fact]
    public void A_request_is_ranked_the_same_every_time_and_independently_of_other_requests()
    {
        var labeler = new SyntheticLabeler(new LetterRule(), temperature: 2.0, seed: 3);
        var first = labeler.Rank("1-00007", ["a", "b", "c", "d"]);
        labeler.Rank("1-00008", ["a", "b", "c", "d"]);
        Assert.Equal(first, new SyntheticLabeler(new LetterRule(), 2.0, 3).Rank("1-00007", ["a", "b", "c", "d"]));
        Assert.Equal("auto:letters:tau=2:seed=3", labeler.Signature);
    }

    [Fact]
    public void A_negative_or_infinite_temperature_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticLabeler(new LetterRule(), -0.1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticLabeler(new LetterRule(), double.PositiveInfinity, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticLabeler(new LetterRule(), double.NaN, 1));
    }

    [Fact]
    public void A_ranking_of_K_gives_K_choose_2_pairs_each_better_over_worse()
    {
        var pairs = PreferencePair.FromRanking("r", [2, 0, 3, 1]);
        Assert.Equal(
            [new("r", 2, 0), new("r", 2, 3), new("r", 2, 1), new("r", 0, 3), new("r", 0, 1), new("r", 3, 1)],
            pairs);
        Assert.Single(PreferencePair.FromRanking("r", [1, 0]));
    }

    [Fact]
    public void Agreement_counts_the_pairs_two_labelings_order_the_same_way()
    {
        var requests = new[] { new LabelRequest("x", "", "", ["a", "b", "c"]), new LabelRequest("y", "", "", ["a", "b"]) };
        // x: [0, 1, 2] vs [1, 0, 2] agree on (0,2) and (1,2), not on (0,1): 2 of 3; y: [0, 1] vs [0, 1]: 1 of 1.
        var first = new Dictionary<string, int[]> { ["x"] = [0, 1, 2], ["y"] = [0, 1] };
        var second = new Dictionary<string, int[]> { ["x"] = [1, 0, 2], ["y"] = [0, 1] };
        Assert.Equal(3.0 / 4, LabelerAgreement.Between(requests, r => first[r.Id], r => second[r.Id]), 12);
    }

    [Fact]
    public void Two_noisy_labelers_agree_as_the_Bradley_Terry_model_predicts()
    {
        // For one pair with score gap d, two independent labelers agree with p^2 + (1-p)^2, p = sigmoid(d / tau).
        var requests = Enumerable.Range(0, 5_000).Select(i => new LabelRequest($"r{i}", "", "", ["a", "b"])).ToArray();
        var one = new SyntheticLabeler(new LetterRule(), 1.0, 11);
        var two = new SyntheticLabeler(new LetterRule(), 1.0, 12);
        double p = 1 / (1 + Math.Exp(-1.0));
        double agreement = LabelerAgreement.Between(requests, r => one.Rank(r.Id, r.Completions), r => two.Rank(r.Id, r.Completions));
        Assert.InRange(agreement, p * p + (1 - p) * (1 - p) - 0.03, p * p + (1 - p) * (1 - p) + 0.03);
    }
}
