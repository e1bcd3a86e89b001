using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace DistGen.Cluster.Tests;

/// <summary>
/// A throw-away redis-server on 127.0.0.1 on a free port: without persistence, or with an append-only file in a folder of
/// the test's (fsynced on every write), so it can be killed and started again with its data.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private readonly bool _tls;

    private RedisServer(ChildProcess process, int port, bool tls = false)
    {
        _process = process;
        Port = port;
        _tls = tls;
    }

    public int Port { get; }

    /// <summary>The connection string silos and clients use.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Starts a server; with <paramref name="dataFolder"/> it keeps its data there (and reloads what it finds), on <paramref name="port"/> if given.</summary>
    public static async Task<RedisServer> StartAsync(TimeSpan timeout, string? dataFolder = null, int? port = null)
    {
        var executable = FindExecutable()
            ?? throw new InvalidOperationException("redis-server is not installed: apt-get install redis-server (./test.sh does it when run as root).");
        int listen = port ?? LoopbackPorts.Next();
        string[] persistence = dataFolder is null
            ? ["--appendonly", "no"]
            : ["--appendonly", "yes", "--appendfsync", "always", "--dir", dataFolder];
        var process = ChildProcess.Start("redis-server", executable,
            ["--bind", "127.0.0.1", "--port", listen.ToString(), "--save", "", .. persistence, "--protected-mode", "yes"]);
        var server = new RedisServer(process, listen);
        var deadline = DateTime.UtcNow + timeout;
        while (!await server.PingAsync())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                process.Dispose();
                throw new InvalidOperationException($"redis-server on port {listen} did not answer PING within {timeout.TotalSeconds} s:\n{process.Tail}");
            }
            await Task.Delay(100);
        }
        return server;
    }

    /// <summary>
    /// A server that speaks only TLS (no plaintext port), with the given PEM certificate and key; clients need no
    /// certificate of their own, as with a managed Redis.
    /// </summary>
    public static async Task<RedisServer> StartTlsAsync(TimeSpan timeout, string certificate, string key)
    {
        var executable = FindExecutable()
            ?? throw new InvalidOperationException("redis-server is not installed: apt-get install redis-server (./test.sh does it when run as root).");
        int listen = LoopbackPorts.Next();
        var process = ChildProcess.Start("redis-server-tls", executable,
            ["--bind", "127.0.0.1", "--port", "0", "--tls-port", listen.ToString(), "--tls-cert-file", certificate, "--tls-key-file", key,
             "--tls-auth-clients", "no", "--save", "", "--appendonly", "no", "--protected-mode", "yes"]);
        var server = new RedisServer(process, listen, tls: true);
        var deadline = DateTime.UtcNow + timeout;
        while (!await server.PingAsync())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                process.Dispose();
                throw new InvalidOperationException($"redis-server (TLS) on port {listen} did not answer PING within {timeout.TotalSeconds} s:\n{process.Tail}");
            }
            await Task.Delay(100);
        }
        return server;
    }

    /// <summary>Whether it answers PING with PONG (over TLS for a TLS server; its certificate is not judged here).</summary>
    public async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            using var ssl = _tls ? new SslStream(client.GetStream(), leaveInnerStreamOpen: false, (_, _, _, _) => true) : null;
            if (ssl is not null) await ssl.AuthenticateAsClientAsync("127.0.0.1").WaitAsync(TimeSpan.FromSeconds(2));
            Stream stream = ssl is not null ? ssl : client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException or System.Security.Authentication.AuthenticationException)
        {
            return false;
        }
    }

    /// <summary>Runs one command on a plain (non-TLS) server and returns the first line of its reply (e.g. "+OK", ":1").</summary>
    public async Task<string> CommandAsync(params string[] command)
    {
        if (_tls) throw new InvalidOperationException("CommandAsync speaks plain RESP only");
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port);
        var request = new StringBuilder($"*{command.Length}\r\n");
        foreach (var part in command) request.Append($"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5)) ?? "";
    }

    /// <summary>Kills the server at once (SIGKILL), as a crashed Redis node would vanish.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync() => await _process.StopAsync(TimeSpan.FromSeconds(5));

    private static string? FindExecutable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/sbin")
            .Select(folder => Path.Combine(folder, "redis-server")).FirstOrDefault(File.Exists);
}
