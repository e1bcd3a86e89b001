using DistGen.Training.Core;

namespace DistGen.Training.Data;

/// <summary>
/// Serves minibatches of item indices: a seeded shuffle of the given items per epoch, batches taken in order,
/// a batch that would cross the end of an epoch starts the next epoch (no partial batches).
/// </summary>
public sealed class EpochSampler
{
    private readonly int[] _items;
    private readonly int[] _order;
    private readonly SplitMix64 _random;
    private int _position;

    public EpochSampler(IReadOnlyList<int> items, long seed)
    {
        if (items.Count == 0) throw new ArgumentException("a sampler needs at least one item", nameof(items));
        _items = items.ToArray();
        _order = new int[_items.Length];
        _random = new SplitMix64(seed);
        StartEpoch();
    }

    public int Epoch { get; private set; }

    public int[] Next(int batchSize)
    {
        if (batchSize > _items.Length) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batch is larger than the {_items.Length} items");
        if (_position + batchSize > _order.Length) StartEpoch();
        var batch = _order.AsSpan(_position, batchSize).ToArray();
        _position += batchSize;
        return batch;
    }

    /// <summary>The full state (generator and position), for checkpoints.</summary>
    public (ulong Random, int Position, int Epoch) State => (_random.State, _position, Epoch);

    private void StartEpoch()
    {
        _items.CopyTo(_order, 0);
        _random.Shuffle(_order);
        _position = 0;
        Epoch++;
    }
}
