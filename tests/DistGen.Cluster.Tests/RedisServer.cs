using System.Net.Sockets;
using System.Text;

namespace DistGen.Cluster.Tests;

/// <summary>A throw-away redis-server on 127.0.0.1: a free port, no persistence.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private RedisServer(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The connection string silos and clients use.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(TimeSpan timeout)
    {
        var executable = FindExecutable()
            ?? throw new InvalidOperationException("redis-server is not installed: apt-get install redis-server (./test.sh does it when run as root).");
        var port = LoopbackPorts.Next();
        var process = ChildProcess.Start("redis-server", executable,
            ["--bind", "127.0.0.1", "--port", port.ToString(), "--save", "", "--appendonly", "no", "--protected-mode", "yes"]);
        var server = new RedisServer(process, port);
        var deadline = DateTime.UtcNow + timeout;
        while (!await server.PingAsync())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                process.Dispose();
                throw new InvalidOperationException($"redis-server on port {port} did not answer PING within {timeout.TotalSeconds} s:\n{process.Tail}");
            }
            await Task.Delay(100);
        }
        return server;
    }

    /// <summary>Whether it answers PING with PONG.</summary>
    public async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync() => await _process.StopAsync(TimeSpan.FromSeconds(5));

    private static string? FindExecutable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/sbin")
            .Select(folder => Path.Combine(folder, "redis-server")).FirstOrDefault(File.Exists);
}
