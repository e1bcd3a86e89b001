using System.Buffers;
using DistGen.Grains.DataPlane;
using Google.Protobuf;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Tests.Grains.DataPlane;

public sealed class ReceivedChunkTests
{
    private static readonly byte[] Data = Tensors.Bytes(3000, seed: 1);

    private static Wire.TensorChunk Message() =>
        Tensors.Chunk(TensorKey.GradientsOf("job-9", 42, "w7"), [10, 75], offset: 6000, totalBytes: 3000 * 4, Data, crc: 0x12345678);

    [Fact]
    public void Reads_every_field_of_the_generated_encoding()
    {
        var message = Message();
        message.Dtype = Wire.DType.Bfloat16;

        using var chunk = ReceivedChunk.Parse(new ReadOnlySequence<byte>(message.ToByteArray()));

        Assert.Null(chunk.Problem);
        Assert.Equal(message.Key, chunk.Key);
        Assert.Equal(Wire.DType.Bfloat16, chunk.DType);
        Assert.Equal([10L, 75L], chunk.Shape);
        Assert.Equal(6000, chunk.Offset);
        Assert.Equal(12000, chunk.TotalBytes);
        Assert.Equal(0x12345678u, chunk.Crc32C);
        Assert.True(chunk.Data.SequenceEqual(Data));
    }

    [Fact]
    public void Reads_a_message_split_across_buffers_with_an_unpacked_shape_and_unknown_fields()
    {
        var message = Message();
        message.Shape.Clear();
        // Field 3 unpacked (wire type 0) twice, then an unknown varint field 15 and an unknown 3-byte field 16 (tag 0x82 0x01).
        byte[] extra = [3 << 3, 10, 3 << 3, 75, 15 << 3, 1, 0x82, 0x01, 3, 7, 8, 9];
        byte[] bytes = [.. message.ToByteArray(), .. extra];

        using var chunk = ReceivedChunk.Parse(Split(bytes, 1000));

        Assert.Null(chunk.Problem);
        Assert.Equal([10L, 75L], chunk.Shape);
        Assert.True(chunk.Data.SequenceEqual(Data));
    }

    [Fact]
    public void A_truncated_message_is_a_named_problem()
    {
        var bytes = Message().ToByteArray();

        using var chunk = ReceivedChunk.Parse(new ReadOnlySequence<byte>(bytes.AsMemory(0, bytes.Length - 10)));

        Assert.Equal("a chunk is not a valid TensorChunk message: the message ends inside a field", chunk.Problem);
    }

    private static ReadOnlySequence<byte> Split(byte[] bytes, int piece)
    {
        Segment? first = null, last = null;
        for (int offset = 0; offset < bytes.Length; offset += piece)
        {
            var memory = bytes.AsMemory(offset, Math.Min(piece, bytes.Length - offset));
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex) => (Memory, RunningIndex) = (memory, runningIndex);

        public Segment Append(ReadOnlyMemory<byte> memory) => (Segment)(Next = new Segment(memory, RunningIndex + Memory.Length));
    }
}
