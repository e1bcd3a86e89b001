using DistGen.Client.Labeling;

namespace DistGen.Tests.Client.Labeling;

public sealed class PartialRankingTests
{
    [Fact]
    public void K_minus_1_picks_make_the_ranking_with_the_last_completion_implied()
    {
        var ranking = new PartialRanking(4);
        ranking.Pick(2);
        ranking.Pick(0);
        Assert.False(ranking.IsComplete);
        ranking.Pick(3);

        Assert.True(ranking.IsComplete);
        Assert.Equal([2, 0, 3, 1], ranking.ToRanking());
    }

    [Fact]
    public void Taking_back_removes_the_last_pick_only_and_reports_when_there_is_none()
    {
        var ranking = new PartialRanking(3);
        Assert.False(ranking.TakeBack());
        ranking.Pick(1);
        ranking.Pick(2);
        Assert.True(ranking.TakeBack());

        Assert.Equal([1], ranking.Picked);
        Assert.Equal([0, 2], ranking.Remaining);
    }

    [Fact]
    public void A_completion_cannot_be_picked_twice_or_out_of_range_and_an_unfinished_ranking_is_not_an_answer()
    {
        var ranking = new PartialRanking(3);
        ranking.Pick(0);

        Assert.Throws<ArgumentOutOfRangeException>(() => ranking.Pick(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ranking.Pick(3));
        Assert.Throws<InvalidOperationException>(() => ranking.ToRanking());
    }
}
