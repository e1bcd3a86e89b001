using DistGen.Training.Data;

namespace DistGen.Tests.Training.Data;

public sealed class ShardingTests
{
    [Theory]
    [InlineData(10, 1)]
    [InlineData(10, 2)]
    [InlineData(10, 3)]
    [InlineData(7, 4)]
    [InlineData(100, 7)]
    [InlineData(60_000, 6)]
    [InlineData(3, 5)]
    [InlineData(0, 2)]
    public void Shards_are_disjoint_and_cover_every_item_once(int count, int shardCount)
    {
        var shards = Enumerable.Range(0, shardCount).Select(s => Sharding.Indices(count, s, shardCount)).ToArray();

        var all = shards.SelectMany(s => s).ToArray();
        Assert.Equal(count, all.Length);
        Assert.Equal(Enumerable.Range(0, count), all.Order());
        // Balanced: shard sizes differ by at most one.
        Assert.True(shards.Max(s => s.Length) - shards.Min(s => s.Length) <= 1);
    }

    [Fact]
    public void Shard_holds_every_nth_item_from_its_index()
    {
        Assert.Equal([1, 4, 7], Sharding.Indices(10, 1, 3));
        Assert.Equal([2, 5, 8], Sharding.Indices(10, 2, 3));
    }

    [Fact]
    public void Shard_outside_the_shard_count_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Sharding.Indices(10, 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sharding.Indices(10, 0, 0));
    }
}
