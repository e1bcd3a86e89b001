namespace DistGen.Training.Data;

/// <summary>Deterministic sharding: shard i of n holds the items i, i+n, i+2n, ...; shards are disjoint and their union is the set.</summary>
public static class Sharding
{
    public static int[] Indices(int count, int shard, int shardCount)
    {
        if (shardCount < 1) throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, "shard count must be at least 1");
        if (shard < 0 || shard >= shardCount) throw new ArgumentOutOfRangeException(nameof(shard), shard, $"shard must be in [0, {shardCount})");
        var result = new int[(count - shard + shardCount - 1) / shardCount];
        for (int k = 0; k < result.Length; k++) result[k] = shard + k * shardCount;
        return result;
    }
}
