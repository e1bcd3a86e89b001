using System.Net;
using System.Net.Sockets;
using DistGen.Grains.DataPlane;
using Grpc.Core;

namespace DistGen.Tests.Grains.DataPlane;

/// <summary>Idle connections held open by anyone cannot pile up on the data plane: beyond DataPlane:MaxConnections they are closed.</summary>
public sealed class DataPlaneConnectionLimitTests
{
    [Fact]
    public async Task Connections_beyond_the_limit_are_closed_and_the_data_plane_serves_again_once_they_go()
    {
        await using var server = await DataPlaneServer.StartAsync(("MaxConnections", "2"));
        var port = new Uri(server.Endpoint).Port;
        var key = TensorKey.ParametersOf("job-limit", 1);
        var sent = Tensors.Random(1000, seed: 3);

        // Four connections that never send a byte: whichever two Kestrel counts first stay, the others are closed.
        // On a loaded machine the server may reset a connection before the client's connect completes: that is a close too.
        var sockets = new List<TcpClient>();
        int resetWhileConnecting = 0;
        for (int i = 0; i < 4; i++)
        {
            var socket = new TcpClient();
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, port);
                sockets.Add(socket);
            }
            catch (SocketException)
            {
                socket.Dispose();
                resetWhileConnecting++;
            }
        }
        var closed = await Task.WhenAll(sockets.Select(IsClosedByServerAsync));
        Assert.Equal(2, closed.Count(c => c) + resetWhileConnecting);

        using (var client = server.Client())
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.PushAsync(server.Endpoint, key, sent));
            // The client sees its connection aborted before the HTTP/2 preface: Unavailable or Internal, as gRPC maps it.
            Assert.Contains(refused.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        }
        Assert.Equal(0, server.Store.Count);

        foreach (var socket in sockets) socket.Dispose();
        using (var client = server.Client())
        {
            // Kestrel notices the closed sockets within moments; until then pushes are still refused.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (true)
            {
                try
                {
                    Assert.True(await client.PushAsync(server.Endpoint, key, sent));
                    break;
                }
                catch (RpcException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }
        }
        Assert.Equal(1, server.Store.Count);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public async Task A_limit_below_one_stops_the_host_naming_the_setting(string value)
    {
        // Kestrel reads its endpoints while the host is built or started; either way the setting is named.
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var app = DataPlaneServer.BuildHost(("MaxConnections", value));
            await app.StartAsync();
        });
        Assert.Contains($"DataPlane:MaxConnections (env DISTGEN__DataPlane__MaxConnections) is {value}", error.Message);
    }

    // Waits up to 3 s for the server to end the connection (an orderly close or a reset); false when it stays open.
    private static async Task<bool> IsClosedByServerAsync(TcpClient socket)
    {
        var buffer = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            return await socket.GetStream().ReadAsync(buffer, timeout.Token) == 0;
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            return true; // reset by the server
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
