using System.Runtime.InteropServices;
using DistGen.Grains.DataPlane;
using Grpc.Core;
using Wire = DistGen.Contracts.DataPlane;

namespace DistGen.Tests.Grains.DataPlane;

public sealed class TensorExchangeServiceTests : IAsyncLifetime
{
    private DataPlaneServer _server = null!;

    public async Task InitializeAsync() => _server = await DataPlaneServer.StartAsync(("MaxChunkBytes", "65536"), ("ChunkBytes", "65536"));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Push_then_pull_of_64_MiB_is_bit_exact()
    {
        var key = TensorKey.ParametersOf("job-1", 3);
        var sent = Tensors.Random(16L << 20, seed: 1);
        using var client = _server.Client(settings: ("ChunkBytes", "65536"));

        Assert.True(await client.PushAsync(_server.Endpoint, key, sent));
        var received = await client.PullAsync(_server.Endpoint, key);

        Assert.Equal(sent.Shape, received.Shape);
        Assert.True(MemoryMarshal.AsBytes(sent.Data.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(received.Data.AsSpan())));
        Assert.Equal(64L << 20, _server.Store.StoredBytes);
    }

    [Theory]
    [InlineData(null, StatusCode.Unauthenticated)]
    [InlineData("not-the-secret", StatusCode.PermissionDenied)]
    public async Task Push_without_the_right_secret_is_refused_and_stores_nothing(string? secret, StatusCode expected)
    {
        var chunk = Tensors.Chunk(Tensors.Gradients(1), [1024], 0, 4096, Tensors.Bytes(4096, seed: 2));

        var refusal = await PushRawAsync(secret is null ? [] : DataPlaneServer.SecretHeader(secret), chunk);

        Assert.Equal(expected, refusal.StatusCode);
        Assert.Contains(ClusterSecret.Header, refusal.Status.Detail);
        Assert.DoesNotContain(DataPlaneServer.Secret, refusal.Status.Detail);
        Assert.Equal(0, _server.Store.Count);
    }

    [Fact]
    public async Task Pull_with_a_wrong_secret_is_refused()
    {
        _server.Store.TryAdd(Tensors.Gradients(1), Tensors.Random(16, seed: 3));
        using var client = _server.Client(secret: "guess");

        var refusal = await Assert.ThrowsAsync<RpcException>(() => client.PullAsync(_server.Endpoint, Tensors.Gradients(1)));

        Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode);
        Assert.Equal(1, _server.Calls["Pull"]);
    }

    [Fact]
    public async Task Chunk_with_a_bad_checksum_is_refused_with_a_named_error()
    {
        var data = Tensors.Bytes(8192, seed: 4);
        var refusal = await PushRawAsync(
            Tensors.Chunk(Tensors.Gradients(1), [2048], 0, 8192, data[..4096]),
            Tensors.Chunk(Tensors.Gradients(1), [2048], 4096, 8192, data[4096..], crc: 0xDEADBEEF));

        Assert.Equal(StatusCode.InvalidArgument, refusal.StatusCode);
        Assert.Contains("chunk at offset 4096", refusal.Status.Detail);
        Assert.Contains("CRC-32C", refusal.Status.Detail);
        Assert.Equal(0, _server.Store.Count);
    }

    // Found by ChunkStreamProperties: 77 float32 elements re-read as 77 x 2 bfloat16 are the same 308 bytes, so only a
    // checksum over the header as well as the data can tell.
    [Fact]
    public async Task A_one_chunk_tensor_whose_shape_and_dtype_changed_consistently_in_transit_is_refused()
    {
        var chunk = Tensors.Chunk(Tensors.Gradients(1), [77], 0, 308, Tensors.Bytes(308, seed: 6));
        chunk.Shape.Add(2);
        chunk.Dtype = DistGen.Contracts.DataPlane.DType.Bfloat16;

        var refusal = await PushRawAsync(chunk);

        Assert.Equal(StatusCode.InvalidArgument, refusal.StatusCode);
        Assert.Contains("CRC-32C", refusal.Status.Detail);
        Assert.Equal(0, _server.Store.Count);
    }

    [Fact]
    public async Task Total_bytes_that_do_not_match_the_shape_are_refused_with_a_named_error()
    {
        var refusal = await PushRawAsync(Tensors.Chunk(Tensors.Gradients(1), [3, 100], 0, 4096, Tensors.Bytes(4096, seed: 5)));

        Assert.Equal(StatusCode.InvalidArgument, refusal.StatusCode);
        Assert.Contains("total_bytes 4096", refusal.Status.Detail);
        Assert.Contains("shape [3, 100]", refusal.Status.Detail);
        Assert.Equal(0, _server.Store.Count);
    }

    [Fact]
    public async Task Oversize_chunk_is_refused_with_a_named_error()
    {
        int size = 65536 + 4;
        var refusal = await PushRawAsync(Tensors.Chunk(Tensors.Gradients(1), [size / 4], 0, size, Tensors.Bytes(size, seed: 6)));

        Assert.Equal(StatusCode.InvalidArgument, refusal.StatusCode);
        Assert.Contains("above the chunk limit of 65536 bytes (DataPlane:MaxChunkBytes)", refusal.Status.Detail);
        Assert.Equal(0, _server.Store.Count);
    }

    [Fact]
    public async Task Gaps_and_truncated_streams_are_refused()
    {
        var data = Tensors.Bytes(8192, seed: 7);
        var gap = await PushRawAsync(
            Tensors.Chunk(Tensors.Gradients(1), [2048], 0, 8192, data[..2048]),
            Tensors.Chunk(Tensors.Gradients(1), [2048], 4096, 8192, data[4096..]));
        var truncated = await PushRawAsync(Tensors.Chunk(Tensors.Gradients(1), [2048], 0, 8192, data[..4096]));

        Assert.Contains("out of order: expected offset 2048", gap.Status.Detail);
        Assert.Contains("ended after 4096 of 8192 bytes", truncated.Status.Detail);
        Assert.Equal(0, _server.Store.Count);
    }

    [Fact]
    public async Task Repeated_push_is_idempotent()
    {
        var key = Tensors.Gradients(2);
        using var client = _server.Client(settings: ("ChunkBytes", "65536"));

        Assert.True(await client.PushAsync(_server.Endpoint, key, Tensors.Random(100_000, seed: 8)));
        Assert.False(await client.PushAsync(_server.Endpoint, key, Tensors.Random(100_000, seed: 9)));

        Assert.Equal(1, _server.Store.Count);
        Assert.Equal(400_000, _server.Store.StoredBytes);
        Assert.True(_server.Store.TryGet(key, out var kept));
        Assert.Equal(Tensors.Random(100_000, seed: 8).Data, kept!.Data);
    }

    [Fact]
    public async Task Push_beyond_the_store_budget_is_refused_with_a_named_error()
    {
        await using var small = await DataPlaneServer.StartAsync(("MaxStoreBytes", "100000"));
        using var client = small.Client();
        await client.PushAsync(small.Endpoint, Tensors.Gradients(1), Tensors.Random(20_000, seed: 11));

        var refusal = await Assert.ThrowsAsync<RpcException>(() => client.PushAsync(small.Endpoint, Tensors.Gradients(2), Tensors.Random(10_000, seed: 12)));

        Assert.Equal(StatusCode.ResourceExhausted, refusal.StatusCode);
        Assert.StartsWith("tensor store budget of 100000 bytes exceeded by key job-1/gradients/2/w0 (40000 bytes, 80000 already in use): raise DataPlane:MaxStoreBytes", refusal.Status.Detail);
        Assert.Equal(1, small.Store.Count);
        Assert.Equal(2, small.Calls["Push"]);
    }

    [Fact]
    public async Task Pull_of_an_absent_key_is_not_found_naming_the_key()
    {
        using var client = _server.Client();

        var refusal = await Assert.ThrowsAsync<RpcException>(() => client.PullAsync(_server.Endpoint, Tensors.Gradients(9, "w3")));

        Assert.Equal(StatusCode.NotFound, refusal.StatusCode);
        Assert.Contains("job-1/gradients/9/w3", refusal.Status.Detail);
    }

    [Fact]
    public async Task Bfloat16_on_the_wire_round_trips_within_bfloat16_precision()
    {
        var key = TensorKey.ParametersOf("job-1", 4);
        var sent = Tensors.Random(300_001, seed: 10);
        using var client = _server.Client(settings: [("WireFormat", "bfloat16"), ("ChunkBytes", "65536")]);

        await client.PushAsync(_server.Endpoint, key, sent);
        var received = await client.PullAsync(_server.Endpoint, key);

        // bfloat16 keeps 8 significant bits: round to nearest is within half a unit in the last place, 2^-8 relative.
        for (int i = 0; i < sent.Data.Length; i++)
            Assert.True(Math.Abs(received.Data[i] - sent.Data[i]) <= Math.Abs(sent.Data[i]) / 256, $"element {i}: {sent.Data[i]} -> {received.Data[i]}");
        Assert.NotEqual(sent.Data, received.Data);
    }

    private Task<RpcException> PushRawAsync(params Wire.TensorChunk[] chunks) => PushRawAsync(DataPlaneServer.SecretHeader(), chunks);

    private async Task<RpcException> PushRawAsync(Metadata headers, params Wire.TensorChunk[] chunks)
    {
        var (channel, stub) = _server.RawClient();
        using var _ = channel;
        using var call = stub.Push(headers);
        try
        {
            foreach (var chunk in chunks) await call.RequestStream.WriteAsync(chunk);
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception)
        {
            // The server may refuse before the last chunk is written; its status follows.
        }
        return await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
    }
}
