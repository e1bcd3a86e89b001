using DistGen.Training.Data;

namespace DistGen.Tests.Training.Data;

public sealed class EpochSamplerTests
{
    private static int[][] Draw(long seed, int batches, int batchSize = 4)
    {
        var sampler = new EpochSampler(Enumerable.Range(100, 20).ToArray(), seed);
        return Enumerable.Range(0, batches).Select(_ => sampler.Next(batchSize)).ToArray();
    }

    [Fact]
    public void Same_seed_gives_the_same_batches()
    {
        Assert.Equal(Draw(7, 12), Draw(7, 12));
    }

    [Fact]
    public void Different_seeds_give_different_orders()
    {
        Assert.NotEqual(Draw(7, 5).SelectMany(b => b), Draw(8, 5).SelectMany(b => b));
    }

    [Fact]
    public void Each_epoch_visits_every_item_exactly_once()
    {
        var sampler = new EpochSampler(Enumerable.Range(100, 20).ToArray(), 3);
        for (int epoch = 1; epoch <= 3; epoch++)
        {
            var seen = Enumerable.Range(0, 5).SelectMany(_ => sampler.Next(4)).ToArray();
            Assert.Equal(epoch, sampler.Epoch);
            Assert.Equal(Enumerable.Range(100, 20), seen.Order());
        }
    }

    [Fact]
    public void A_batch_that_would_cross_the_epoch_end_starts_the_next_epoch()
    {
        var sampler = new EpochSampler(Enumerable.Range(0, 10).ToArray(), 1);
        sampler.Next(4);
        sampler.Next(4);
        var third = sampler.Next(4);
        Assert.Equal(2, sampler.Epoch);
        Assert.Equal(4, third.Distinct().Count());
    }
}
