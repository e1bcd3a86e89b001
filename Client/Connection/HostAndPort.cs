using System.Net;
using System.Net.Sockets;

namespace DistGen.Client.Connection;

/// <summary>A server given as <c>HOST:PORT</c> (or <c>[IPv6]:PORT</c>): a silo gateway or a Redis server.</summary>
public sealed record HostAndPort(string Host, int Port)
{
    /// <summary>Parses <c>HOST:PORT</c>; throws <see cref="ConnectionSettingsException"/> naming where it came from when malformed.</summary>
    public static HostAndPort Parse(string text, string source, int examplePort)
    {
        var colon = text.LastIndexOf(':');
        var host = colon > 0 ? text[..colon].Trim('[', ']') : "";
        if (host.Length == 0 || !int.TryParse(text[(colon + 1)..], out var port) || port is < 1 or > 65535)
            throw new ConnectionSettingsException($"{source} \"{text}\" is not HOST:PORT: use e.g. 127.0.0.1:{examplePort}.");
        return new HostAndPort(host, port);
    }

    /// <summary>The IP endpoint; a host name is looked up (IPv4 preferred).</summary>
    public async Task<IPEndPoint> ResolveAsync(CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(Host, out var address)) return new IPEndPoint(address, Port);
        var addresses = await Dns.GetHostAddressesAsync(Host, cancellationToken);
        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
        return new IPEndPoint(chosen, Port);
    }

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
