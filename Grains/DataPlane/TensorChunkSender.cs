using System.Buffers;
using Google.Protobuf;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// Cuts a tensor into wire chunks and hands them to a stream writer one at a time. float32 chunks wrap the payload's
/// own memory (no copy); bfloat16 chunks are rounded into one pooled buffer that is reused once a write completes
/// (gRPC writers serialise a message before their write task completes).
/// </summary>
internal static class TensorChunkSender
{
    public static async Task SendAsync(
        TensorKey key, TensorPayload payload, Wire.DType dtype, int chunkBytes,
        Func<Wire.TensorChunk, CancellationToken, Task> write, CancellationToken cancellation)
    {
        int elementSize = TensorWireFormat.ElementSize(dtype);
        long total = (long)payload.Data.Length * elementSize;
        if (total > int.MaxValue) throw new ArgumentException($"tensor {key} has {total} wire bytes; the data plane carries at most {int.MaxValue}");
        var chunk = new Wire.TensorChunk { Key = key.ToWire(), Dtype = dtype, TotalBytes = total };
        chunk.Shape.AddRange(payload.Shape);
        byte[] keyBytes = ChunkChecksum.KeyBytes(chunk.Key);
        uint Checksum(ReadOnlySpan<byte> data, long offset) =>
            ChunkChecksum.Finish(Crc32C.Append(Crc32C.Start, data), keyBytes, dtype, payload.Shape, offset, total);
        if (total == 0)
        {
            chunk.Crc32C = Checksum([], 0);
            await write(chunk, cancellation).ConfigureAwait(false);
            return;
        }

        chunkBytes -= chunkBytes % elementSize;
        if (dtype == Wire.DType.Float32)
        {
            var bytes = new FloatBytes(payload.Data).Memory;
            for (int offset = 0; offset < total; offset += chunkBytes)
            {
                var data = bytes.Slice(offset, (int)Math.Min(chunkBytes, total - offset));
                chunk.Offset = offset;
                chunk.Crc32C = Checksum(data.Span, offset);
                chunk.Data = UnsafeByteOperations.UnsafeWrap(data);
                await write(chunk, cancellation).ConfigureAwait(false);
            }
            return;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(chunkBytes);
        try
        {
            for (int offset = 0; offset < total; offset += chunkBytes)
            {
                int length = (int)Math.Min(chunkBytes, total - offset);
                BFloat16.Narrow(payload.Data.AsSpan(offset / elementSize, length / elementSize), buffer);
                chunk.Offset = offset;
                chunk.Crc32C = Checksum(buffer.AsSpan(0, length), offset);
                chunk.Data = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, length));
                await write(chunk, cancellation).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
