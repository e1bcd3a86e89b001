using System.Net;
using System.Net.Sockets;
using DistGen.Grains.DataPlane;

namespace DistGen.Tests.Grains.DataPlane;

public sealed class BatchingConnectionStreamTests
{
    [Fact]
    public async Task Bytes_written_in_pieces_of_any_size_arrive_in_order_and_complete()
    {
        var (client, server) = await ConnectedPairAsync();
        await using var batching = new BatchingConnectionStream(new NetworkStream(client, ownsSocket: true), bufferBytes: 4096);
        await using var raw = new NetworkStream(server, ownsSocket: true);
        var data = Tensors.Bytes(300_000, seed: 3);
        var random = new Random(3);
        var receiving = ReadExactlyAsync(raw, data.Length);
        for (int offset = 0; offset < data.Length;)
        {
            // Pieces smaller and larger than the buffer, so that writers also wait for room.
            int count = Math.Min(random.Next(1, 10_000), data.Length - offset);
            await batching.WriteAsync(data.AsMemory(offset, count));
            offset += count;
        }
        await batching.FlushAsync();
        Assert.Equal(data, await receiving);
    }

    [Fact]
    public async Task Reads_into_small_buffers_return_every_byte_in_order()
    {
        var (client, server) = await ConnectedPairAsync();
        await using var batching = new BatchingConnectionStream(new NetworkStream(client, ownsSocket: true), bufferBytes: 4096);
        await using var raw = new NetworkStream(server, ownsSocket: true);
        var data = Tensors.Bytes(100_000, seed: 4);
        var sending = raw.WriteAsync(data).AsTask();
        var received = new byte[data.Length];
        var random = new Random(4);
        for (int offset = 0; offset < received.Length;)
        {
            int n = await batching.ReadAsync(received.AsMemory(offset, Math.Min(random.Next(1, 9000), received.Length - offset)));
            Assert.True(n > 0);
            offset += n;
        }
        await sending;
        Assert.Equal(data, received);
    }

    [Fact]
    public async Task A_read_at_the_end_of_the_stream_returns_0()
    {
        var (client, server) = await ConnectedPairAsync();
        await using var batching = new BatchingConnectionStream(new NetworkStream(client, ownsSocket: true));
        server.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await batching.ReadAsync(new byte[16]));
        server.Dispose();
    }

    [Fact]
    public async Task A_failed_background_send_fails_a_later_flush()
    {
        var (client, server) = await ConnectedPairAsync();
        var batching = new BatchingConnectionStream(new NetworkStream(client, ownsSocket: true), bufferBytes: 4096);
        client.Shutdown(SocketShutdown.Send);
        await batching.WriteAsync(new byte[100]);
        await Assert.ThrowsAsync<IOException>(() => batching.FlushAsync());
        server.Dispose();
        await batching.DisposeAsync();
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int length)
    {
        var buffer = new byte[length];
        await stream.ReadExactlyAsync(buffer);
        return buffer;
    }

    private static async Task<(Socket Client, Socket Server)> ConnectedPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accepting = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        return (client, await accepting);
    }
}
