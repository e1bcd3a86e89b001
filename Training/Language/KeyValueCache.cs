using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>
/// The keys and values of the positions a transformer has already seen, per layer, so that decoding a new token
/// computes one position instead of the whole prefix. Buffers [B, H, ContextLength, d_k] are allocated once, outside
/// any dispose scope, and filled in place; <see cref="Length"/> positions are valid.
/// </summary>
public sealed class KeyValueCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private readonly long[] _filled;

    public KeyValueCache(int layers, long batch, int heads, int headWidth, int capacity, Device device)
    {
        Capacity = capacity;
        _keys = new Tensor[layers];
        _values = new Tensor[layers];
        _filled = new long[layers];
        for (int layer = 0; layer < layers; layer++)
        {
            _keys[layer] = zeros([batch, heads, capacity, headWidth], device: device).DetachFromDisposeScope();
            _values[layer] = zeros([batch, heads, capacity, headWidth], device: device).DetachFromDisposeScope();
        }
    }

    /// <summary>Positions the cache can hold (the model's context length).</summary>
    public int Capacity { get; }

    /// <summary>Positions cached so far (the same in every layer once a forward pass is complete).</summary>
    public long Length => _filled[^1];

    /// <summary>Appends new keys and values [B, H, T_new, d_k] to a layer; returns all of the layer's keys and values so far.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        long start = _filled[layer], count = keys.shape[2];
        if (start + count > Capacity)
            throw new InvalidOperationException($"the cache holds {Capacity} positions; {start} + {count} do not fit (prompt plus completion must fit the context length)");
        using (no_grad())
        {
            _keys[layer].narrow(2, start, count).copy_(keys);
            _values[layer].narrow(2, start, count).copy_(values);
        }
        _filled[layer] = start + count;
        return (_keys[layer].narrow(2, 0, start + count), _values[layer].narrow(2, 0, start + count));
    }

    public void Dispose()
    {
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
    }
}
