using System.Buffers;
using System.Runtime.InteropServices;
using CsCheck;
using DistGen.Grains.DataPlane;
using Google.Protobuf;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Tests.Grains.DataPlane;

/// <summary>
/// Whatever happens to a tensor's chunk stream on the way (chunks lost, repeated, reordered, cut, bits flipped, a
/// header changed on one chunk), the assembler either refuses it with <see cref="MalformedTensorStreamException"/> or
/// rebuilds exactly the tensor that was sent: it never accepts a malformed tensor.
/// </summary>
public sealed class ChunkStreamProperties
{
    private const int MaxChunkBytes = 4096;
    private static readonly TensorKey Key = TensorKey.GradientsOf("job-7", 3, "w1");

    private static readonly Gen<Damage> Damages = Gen.OneOf<Damage>(
        Gen.Int.Select(at => (Damage)new DropChunk(at)),
        Gen.Int.Select(at => (Damage)new RepeatChunk(at)),
        Gen.Select(Gen.Int, Gen.Int, (a, b) => (Damage)new SwapChunks(a, b)),
        Gen.Select(Gen.Int, Gen.Int, (at, bit) => (Damage)new FlipDataBit(at, bit)),
        Gen.Select(Gen.Int, Gen.Int, (at, cut) => (Damage)new CutData(at, cut)),
        Gen.Select(Gen.Int, Gen.Int[1, int.MaxValue], (at, by) => (Damage)new ShiftOffset(at, by)),
        Gen.Select(Gen.Int, Gen.Int[0, 5], (at, field) => (Damage)new ChangeHeader(at, field)));

    // As a receiving side reads a stream: each chunk parsed after the one before was added, with the assembler's
    // destination offered (ChunkDestination), so that float32 data is parsed straight into place.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_damaged_chunk_stream_is_refused_or_rebuilds_the_exact_tensor(bool parsedIntoPlace)
    {
        var streams = Gen.Select(Gen.Int[1, 3000], Gen.Int[1, MaxChunkBytes / 4], Gen.Int[0, 1_000_000], Damages.Array[1, 3],
            (elements, chunkElements, seed, damage) => (Tensor: Tensors.Random(elements, seed), ChunkBytes: chunkElements * 4, Damage: damage));
        streams.Sample(s => Check(s.Tensor, s.ChunkBytes, s.Damage, parsedIntoPlace), iter: 500, threads: 1);
    }

    [Fact]
    public void Chunks_after_the_first_are_parsed_into_place_and_one_at_another_offset_is_not()
    {
        var sent = Tensors.Random(3000, seed: 4);
        var chunks = Split(sent, 4000);
        using var first = Parse(chunks[0]);
        var assembler = new TensorChunkAssembler(first, MaxChunkBytes);
        assembler.Add(first);
        ChunkDestination.Current = assembler.Destination;
        try
        {
            using (var ahead = Parse(chunks[2])) Assert.Null(ahead.PlacedIn);
            using (var next = Parse(chunks[1]))
            {
                Assert.Same(ChunkDestination.Current, next.PlacedIn);
                assembler.Add(next);
            }
            using (var last = Parse(chunks[2]))
            {
                Assert.NotNull(last.PlacedIn);
                assembler.Add(last);
            }
        }
        finally
        {
            assembler.CloseDestination();
            ChunkDestination.Current = null;
        }
        Assert.Equal(sent.Data, assembler.Complete().Data);
    }

    private static ReceivedChunk Parse(Wire.TensorChunk chunk) => ReceivedChunk.Parse(new ReadOnlySequence<byte>(chunk.ToByteArray()));

    private static void Check(TensorPayload sent, int chunkBytes, Damage[] damage, bool parsedIntoPlace)
    {
        var chunks = Split(sent, chunkBytes);
        foreach (var d in damage) d.Apply(chunks);
        TensorPayload? received;
        try
        {
            received = parsedIntoPlace ? AssembleIntoPlace(chunks) : Assemble(chunks);
        }
        catch (MalformedTensorStreamException)
        {
            return;
        }
        Assert.Equal(sent.Shape, received.Shape);
        Assert.Equal(sent.Data, received.Data);
    }

    private static TensorPayload Assemble(List<Wire.TensorChunk> chunks)
    {
        if (chunks.Count == 0) throw new MalformedTensorStreamException("no chunks");
        var parsed = chunks.Select(c => ReceivedChunk.Parse(new ReadOnlySequence<byte>(c.ToByteArray()))).ToList();
        try
        {
            var assembler = new TensorChunkAssembler(parsed[0], MaxChunkBytes);
            foreach (var chunk in parsed) assembler.Add(chunk);
            return assembler.Complete();
        }
        finally
        {
            foreach (var chunk in parsed) chunk.Dispose();
        }
    }

    private static TensorPayload AssembleIntoPlace(List<Wire.TensorChunk> chunks)
    {
        if (chunks.Count == 0) throw new MalformedTensorStreamException("no chunks");
        TensorChunkAssembler? assembler = null;
        try
        {
            foreach (var message in chunks)
            {
                using var chunk = Parse(message);
                assembler ??= new TensorChunkAssembler(chunk, MaxChunkBytes);
                assembler.Add(chunk);
                ChunkDestination.Current ??= assembler.Destination;
            }
            return assembler!.Complete();
        }
        finally
        {
            assembler?.CloseDestination();
            ChunkDestination.Current = null;
        }
    }

    private static List<Wire.TensorChunk> Split(TensorPayload tensor, int chunkBytes)
    {
        var bytes = MemoryMarshal.AsBytes(tensor.Data.AsSpan()).ToArray();
        var chunks = new List<Wire.TensorChunk>();
        for (int offset = 0; offset < bytes.Length; offset += chunkBytes)
            chunks.Add(Tensors.Chunk(Key, tensor.Shape, offset, bytes.Length, bytes[offset..Math.Min(bytes.Length, offset + chunkBytes)]));
        return chunks;
    }

    private abstract record Damage
    {
        public abstract void Apply(List<Wire.TensorChunk> chunks);

        protected static int Pick(int at, List<Wire.TensorChunk> chunks) => (int)((uint)at % (uint)chunks.Count);
    }

    private sealed record DropChunk(int At) : Damage
    {
        public override void Apply(List<Wire.TensorChunk> chunks) { if (chunks.Count > 0) chunks.RemoveAt(Pick(At, chunks)); }
    }

    private sealed record RepeatChunk(int At) : Damage
    {
        public override void Apply(List<Wire.TensorChunk> chunks)
        {
            if (chunks.Count == 0) return;
            int i = Pick(At, chunks);
            chunks.Insert(i, chunks[i].Clone());
        }
    }

    private sealed record SwapChunks(int A, int B) : Damage
    {
        public override void Apply(List<Wire.TensorChunk> chunks)
        {
            if (chunks.Count < 2) return;
            var (i, j) = (Pick(A, chunks), Pick(B, chunks));
            (chunks[i], chunks[j]) = (chunks[j], chunks[i]);
        }
    }

    // The CRC is not updated: the bytes were damaged in transit.
    private sealed record FlipDataBit(int At, int Bit) : Damage
    {
        public override void Apply(List<Wire.TensorChunk> chunks)
        {
            if (chunks.Count == 0) return;
            var chunk = chunks[Pick(At, chunks)];
            var data = chunk.Data.ToByteArray();
            if (data.Length == 0) return;
            int bit = (int)((uint)Bit % (uint)(data.Length * 8));
            data[bit / 8] ^= (byte)(1 << (bit % 8));
            chunk.Data = ByteString.CopyFrom(data);
        }
    }

    private sealed record CutData(int At, int Cut) : Damage
    {
        public override void Apply(List<Wire.TensorChunk> chunks)
        {
            if (chunks.Count == 0) return;
            var chunk = chunks[Pick(At, chunks)];
            var data = chunk.Data.ToByteArray();
            int keep = (int)((uint)Cut % (uint)(data.Length + 1));
            if (keep == data.Length) return; // re-checksumming an uncut chunk would hide an earlier bit flip
            chunk.Data = ByteString.CopyFrom(data[..keep]);
            chunk.Crc32C = ChunkChecksum.Of(chunk); // cut cleanly, with a matching checksum
        }
    }

    private sealed record ShiftOffset(int At, int By) : Damage
    {
        public override void Apply(List<Wire.TensorChunk> chunks) { if (chunks.Count > 0) chunks[Pick(At, chunks)].Offset += By; }
    }

    // One chunk's header changed in transit (its checksum, over data and header, is not updated). With one chunk there
    // is nothing to disagree with, so only the checksum can refuse it.
    private sealed record ChangeHeader(int At, int Field) : Damage
    {
        public override void Apply(List<Wire.TensorChunk> chunks)
        {
            if (chunks.Count == 0) return;
            var chunk = chunks[Pick(At, chunks)];
            switch (Field)
            {
                case 0: chunk.Dtype = chunk.Dtype == Wire.DType.Float32 ? Wire.DType.Bfloat16 : Wire.DType.Float32; break;
                case 1: chunk.Shape.Add(2); break;
                case 2: chunk.Shape[0] += 1; break;
                case 3: chunk.TotalBytes += 4; break;
                case 4: chunk.TotalBytes = -chunk.TotalBytes; break;
                default: chunk.Shape[0] = -chunk.Shape[0]; break;
            }
        }
    }
}
