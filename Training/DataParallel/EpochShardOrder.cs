using DistGen.Training.Core;
using DistGen.Training.Data;

namespace DistGen.Training.DataParallel;

/// <summary>Shard s of W over a data set of items: items s, s+W, ... in a seeded order per epoch, b per round.</summary>
public sealed class EpochShardOrder(int itemCount, int shard, int shards, int rowsPerRound, long seed) : IShardOrder
{
    private readonly EpochSampler _sampler = new(Sharding.Indices(itemCount, shard, shards), Seeding.Derive(seed, $"shard:{shard}/{shards}"));

    public int[] Next() => _sampler.Next(rowsPerRound);
}
