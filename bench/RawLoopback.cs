using System.Net;
using System.Net.Sockets;

namespace DistGen.Bench;

/// <summary>
/// The yardstick of the data-plane benchmark: one loopback TCP connection inside this process; the sender writes 1 MiB
/// slices, the receiver reads them into a destination as large as the transfer.
/// </summary>
public sealed class RawLoopback : IDisposable
{
    private const int WriteBytes = 1 << 20;
    private readonly Socket _sender;
    private readonly Socket _receiver;
    private byte[] _source = [];
    private byte[] _destination = [];

    private RawLoopback(Socket sender, Socket receiver) => (_sender, _receiver) = (sender, receiver);

    public static async Task<RawLoopback> OpenAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var sender = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepting = listener.AcceptAsync();
        await sender.ConnectAsync(listener.LocalEndPoint!);
        return new RawLoopback(sender, await accepting);
    }

    /// <summary>Sends <paramref name="bytes"/> bytes and returns when the receiver has all of them.</summary>
    public async Task TransferAsync(int bytes)
    {
        if (_source.Length != bytes)
        {
            _source = new byte[bytes];
            new Random(1).NextBytes(_source);
            _destination = new byte[bytes];
        }
        var sending = Task.Run(async () =>
        {
            for (int offset = 0; offset < bytes; offset += WriteBytes)
                await _sender.SendAsync(_source.AsMemory(offset, Math.Min(WriteBytes, bytes - offset)));
        });
        for (int received = 0; received < bytes;)
            received += await _receiver.ReceiveAsync(_destination.AsMemory(received));
        await sending;
    }

    public void Dispose()
    {
        _sender.Dispose();
        _receiver.Dispose();
    }
}
