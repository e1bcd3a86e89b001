using DistGen.Training.Core;

namespace DistGen.Training.DataParallel;

/// <summary>
/// Shard s of W over a token sequence: the s-th of W equal regions of window starts; each round b starts drawn
/// uniformly from the region with the shard's own seeded generator.
/// </summary>
public sealed class WindowShardOrder : IShardOrder
{
    private readonly int _first;
    private readonly int _count;
    private readonly int _rows;
    private readonly SplitMix64 _random;

    public WindowShardOrder(int tokenCount, int context, int shard, int shards, int rowsPerRound, long seed)
    {
        int starts = tokenCount - context;
        if (starts < shards) throw new ArgumentException($"{tokenCount} tokens give too few windows of {context} + 1 for {shards} shards");
        _first = (int)((long)starts * shard / shards);
        _count = (int)((long)starts * (shard + 1) / shards) - _first;
        _rows = rowsPerRound;
        _random = new SplitMix64(Seeding.Derive(seed, $"windows:{shard}/{shards}"));
    }

    public int[] Next()
    {
        var starts = new int[_rows];
        for (int i = 0; i < _rows; i++) starts[i] = _first + _random.NextInt(_count);
        return starts;
    }
}
