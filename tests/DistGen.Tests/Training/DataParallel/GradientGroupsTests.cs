using CsCheck;
using DistGen.Training.DataParallel;

namespace DistGen.Tests.Training.DataParallel;

public sealed class GradientGroupsTests
{
    private static float[] Values(int length, int seed) => GradientValues.Of(length, seed);

    [Fact]
    public void Groups_are_residues_of_the_worker_index()
    {
        // 5 workers, 2 groups: workers 0, 2, 4 and 1, 3 (worker i on silo i mod 2 when spread over 2 silos).
        Assert.Equal([0, 2, 4], GradientGroups.MembersOf(0, 5, 2));
        Assert.Equal([1, 3], GradientGroups.MembersOf(1, 5, 2));
        Assert.Equal(3, GradientGroups.SizeOf(0, 5, 2));
        Assert.Equal(2, GradientGroups.SizeOf(1, 5, 2));
        Assert.Equal(1, GradientGroups.GroupOf(3, 2));
    }

    [Theory]
    [InlineData(0, 4, 4)]
    [InlineData(2, 4, 2)]
    [InlineData(5, 4, 4)]
    [InlineData(-1, 3, 3)]
    [InlineData(1, 3, 1)]
    public void An_unset_or_impossible_number_of_groups_gives_every_worker_its_own(int requested, int workers, int effective) =>
        Assert.Equal(effective, GradientGroups.Effective(requested, workers));

    [Fact]
    public void The_groups_partition_the_workers_and_their_sizes_add_up() =>
        Gen.Int[1, 64].SelectMany(w => Gen.Int[1, w].Select(g => (Workers: w, Groups: g))).Sample(c =>
        {
            var members = Enumerable.Range(0, c.Groups).SelectMany(g => GradientGroups.MembersOf(g, c.Workers, c.Groups)).Order().ToList();
            Assert.Equal(Enumerable.Range(0, c.Workers), members);
            Assert.Equal(c.Workers, Enumerable.Range(0, c.Groups).Sum(g => GradientGroups.SizeOf(g, c.Workers, c.Groups)));
            for (int g = 0; g < c.Groups; g++)
            {
                Assert.Equal(g, GradientGroups.MembersOf(g, c.Workers, c.Groups).First());
                Assert.Equal(GradientGroups.SizeOf(g, c.Workers, c.Groups), GradientGroups.MembersOf(g, c.Workers, c.Groups).Count());
                Assert.All(GradientGroups.MembersOf(g, c.Workers, c.Groups), w => Assert.Equal(g, GradientGroups.GroupOf(w, c.Groups)));
            }
        });

    [Fact]
    public void A_group_sum_is_the_double_precision_sum_rounded_once()
    {
        var gradients = Enumerable.Range(0, 3).Select(w => Values(37, seed: w)).ToArray();
        var expected = Enumerable.Range(0, 37).Select(i => (float)gradients.Sum(g => (double)g[i])).ToArray();
        Assert.Equal(expected, GradientGroups.Sum(gradients.Select(g => (ReadOnlyMemory<float>)g).ToList()));
        // One gradient sums to itself.
        Assert.Equal(gradients[1], GradientGroups.Sum([gradients[1]]));
    }

    [Fact]
    public void The_mean_over_group_sums_equals_the_mean_over_workers_up_to_the_sums_rounding()
    {
        // 5 workers in 2 groups ({0, 2, 4}, {1, 3}) against every worker on its own.
        var gradients = Enumerable.Range(0, 5).Select(w => Values(41, seed: 10 + w)).ToArray();
        var flat = new GradientAverage(41);
        foreach (var g in gradients) flat.Add(g);
        var grouped = new GradientAverage(41);
        for (int group = 0; group < 2; group++)
        {
            var sum = GradientGroups.Sum(GradientGroups.MembersOf(group, 5, 2).Select(w => (ReadOnlyMemory<float>)gradients[w]).ToList());
            grouped.Add(sum, GradientGroups.SizeOf(group, 5, 2));
        }
        Assert.Equal(5, grouped.Workers);
        var (expected, actual) = (flat.Mean().ToArray(), grouped.Mean().ToArray());
        for (int i = 0; i < 41; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 2e-7 * gradients.Max(g => Math.Abs(g[i])), $"value {i}: {expected[i]} vs {actual[i]}");
    }

    [Fact]
    public void Two_workers_summed_as_one_group_give_the_bits_of_each_sending_its_own()
    {
        // Summing two floats in double is exact here, and halving is exact, so the group changes no bit: what lets a
        // cluster test compare a group that spans two silos with two single workers bit for bit.
        var (a, b) = (Values(33, seed: 21), Values(33, seed: 22));
        var single = new GradientAverage(33);
        single.Add(a);
        single.Add(b);
        var group = new GradientAverage(33);
        group.Add(GradientGroups.Sum([a, b]), workers: 2);
        Assert.Equal(single.Mean().ToArray(), group.Mean().ToArray());
    }

    [Fact]
    public void A_single_tensor_standing_for_several_workers_is_divided_by_them()
    {
        var sum = Values(17, seed: 3);
        var average = new GradientAverage(17);
        average.Add(sum, workers: 4);
        Assert.Equal(sum.Select(v => (float)((double)v / 4)).ToArray(), average.Mean().ToArray());
    }

    [Fact]
    public void Gradients_of_different_lengths_or_with_a_non_finite_value_are_refused()
    {
        Assert.Throws<ArgumentException>(() => GradientGroups.Sum([new float[3], new float[4]]));
        Assert.Contains("non-finite", Assert.Throws<ArgumentException>(() => GradientGroups.Sum([new float[3], new[] { 0f, float.NaN, 0f }])).Message);
        Assert.Throws<ArgumentException>(() => GradientGroups.Sum([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradientAverage(3).Add(new float[3], workers: 0));
    }
}
