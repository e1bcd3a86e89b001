using System.Runtime.InteropServices;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// Rebuilds one tensor from its chunk stream, checking every chunk: the same key, dtype, shape and total as the first,
/// contiguous offsets, a size within the limit, its CRC-32C, and total bytes that match the shape. Each chunk's bytes
/// are copied once, straight into the preallocated float32 destination (widened when they are bfloat16).
/// </summary>
internal sealed class TensorChunkAssembler
{
    private readonly Wire.TensorChunk _first;
    private readonly int _maxChunkBytes;
    private readonly int _elementSize;
    private float[]? _data;
    private long _received;

    /// <summary>Checks the header of a stream's first chunk; nothing is allocated yet.</summary>
    public TensorChunkAssembler(Wire.TensorChunk first, int maxChunkBytes)
    {
        _first = first;
        _maxChunkBytes = maxChunkBytes;
        Key = WireKey.FromWire(first.Key);
        if (WireKey.Problem(Key) is { } problem) throw new MalformedTensorStreamException(problem);
        _elementSize = TensorWireFormat.ElementSize(first.Dtype);
        var shape = TensorWireFormat.Describe(first.Shape);
        long elements = TensorWireFormat.ElementCount(first.Shape) is { } n && n * sizeof(float) <= int.MaxValue
            ? n
            : throw new MalformedTensorStreamException($"shape {shape} of {Key} has a negative dimension or more than {int.MaxValue / sizeof(float)} elements");
        if (first.TotalBytes != elements * _elementSize)
            throw new MalformedTensorStreamException(
                $"total_bytes {first.TotalBytes} of {Key} does not match shape {shape} of dtype {first.Dtype} ({elements} elements x {_elementSize} bytes = {elements * _elementSize})");
        Elements = elements;
    }

    /// <summary>The tensor's key.</summary>
    public TensorKey Key { get; }

    /// <summary>Number of float32 elements.</summary>
    public long Elements { get; }

    /// <summary>Bytes the tensor occupies as float32 (what the store counts).</summary>
    public long StoreBytes => Elements * sizeof(float);

    /// <summary>Checks a chunk (the first one included) and copies its data into place.</summary>
    public void Add(Wire.TensorChunk chunk)
    {
        var data = chunk.Data.Span;
        string At() => $"chunk at offset {chunk.Offset} of {Key}";
        if (!ReferenceEquals(chunk, _first))
        {
            if (!Equals(chunk.Key, _first.Key)) throw Malformed($"{At()} carries key {WireKey.FromWire(chunk.Key)}: every chunk of a stream must carry the same key");
            if (chunk.Dtype != _first.Dtype) throw Malformed($"{At()} has dtype {chunk.Dtype}, the stream started with {_first.Dtype}");
            if (!chunk.Shape.Equals(_first.Shape)) throw Malformed($"{At()} has shape {TensorWireFormat.Describe(chunk.Shape)}, the stream started with {TensorWireFormat.Describe(_first.Shape)}");
            if (chunk.TotalBytes != _first.TotalBytes) throw Malformed($"{At()} has total_bytes {chunk.TotalBytes}, the stream started with {_first.TotalBytes}");
        }
        if (chunk.Offset != _received) throw Malformed($"{At()} is out of order: expected offset {_received} (chunks must be contiguous)");
        if (data.Length > _maxChunkBytes) throw Malformed($"{At()} has {data.Length} bytes, above the chunk limit of {_maxChunkBytes} bytes (DataPlane:MaxChunkBytes)");
        if (data.Length == 0 && _first.TotalBytes > 0) throw Malformed($"{At()} is empty");
        if (data.Length > _first.TotalBytes - _received) throw Malformed($"{At()} with {data.Length} bytes runs past total_bytes {_first.TotalBytes}");
        if (data.Length % _elementSize != 0) throw Malformed($"{At()} has {data.Length} bytes, not a whole number of {_elementSize}-byte elements");
        uint crc = Crc32C.Compute(data);
        if (crc != chunk.Crc32C) throw Malformed($"{At()} fails its CRC-32C check (carried 0x{chunk.Crc32C:X8}, computed 0x{crc:X8})");

        _data ??= GC.AllocateUninitializedArray<float>((int)Elements);
        if (_elementSize == sizeof(float))
            data.CopyTo(MemoryMarshal.AsBytes(_data.AsSpan())[(int)_received..]);
        else
            BFloat16.Widen(data, _data.AsSpan((int)(_received / _elementSize)));
        _received += data.Length;
    }

    /// <summary>The whole tensor, once every byte arrived.</summary>
    public TensorPayload Complete()
    {
        if (_received != _first.TotalBytes)
            throw Malformed($"the stream of {Key} ended after {_received} of {_first.TotalBytes} bytes");
        return new TensorPayload([.. _first.Shape], _data ?? []);
    }

    private static MalformedTensorStreamException Malformed(string message) => new(message);
}
