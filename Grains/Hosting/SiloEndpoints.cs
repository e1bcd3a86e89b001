using System.Net;
using System.Net.Sockets;

namespace DistGen.Grains.Hosting;

/// <summary>
/// The ports and addresses a silo actually uses: <see cref="ClusterHostOptions"/> with every port 0 replaced by a
/// free one. A silo that advertises a loopback address (always so for Localhost clustering) listens on loopback only.
/// </summary>
/// <param name="SiloPort">Silo-to-silo port.</param>
/// <param name="GatewayPort">Client gateway port, or null for none.</param>
/// <param name="HttpPort">HTTP/1.1 port of /healthz and the dashboard, or null for none.</param>
/// <param name="AdvertisedAddress">The address given to other silos, or null to let Orleans (or Kubernetes) pick this host's.</param>
/// <param name="ListenAddress">Where the sockets listen: loopback, or any address.</param>
public sealed record SiloEndpoints(int SiloPort, int? GatewayPort, int? HttpPort, IPAddress? AdvertisedAddress, IPAddress ListenAddress)
{
    /// <summary>The HTTP port's scheme: https when the silo runs TLS.</summary>
    public string HttpScheme { get; init; } = Uri.UriSchemeHttp;

    /// <summary>Resolves the endpoints of validated options.</summary>
    public static SiloEndpoints Resolve(ClusterHostOptions options)
    {
        var advertised = options.Clustering == ClusteringMode.Localhost
            ? IPAddress.Loopback
            : string.IsNullOrWhiteSpace(options.AdvertisedAddress) ? null : IPAddress.Parse(options.AdvertisedAddress);
        var listen = advertised is not null && IPAddress.IsLoopback(advertised) ? advertised : IPAddress.Any;
        return new SiloEndpoints(
            Free(options.SiloPort, listen),
            options.GatewayPort is { } gateway ? Free(gateway, listen) : null,
            options.HttpPort is { } http ? Free(http, listen) : null,
            advertised,
            listen);
    }

    /// <summary>The dashboard's address as a browser on this machine reaches it, or null without HTTP.</summary>
    public string? DashboardUrl => HttpPort is { } port ? $"{HttpScheme}://{HostForUrls}:{port}/dashboard/" : null;

    /// <summary>The job pages' address (<c>/jobs</c>) as a browser on this machine reaches it, or null without HTTP.</summary>
    public string? PagesUrl => HttpPort is { } port ? $"{HttpScheme}://{HostForUrls}:{port}/jobs" : null;

    /// <summary>The health endpoint's address as seen from this machine, or null without HTTP.</summary>
    public string? HealthUrl => HttpPort is { } port ? $"{HttpScheme}://{HostForUrls}:{port}/healthz" : null;

    private string HostForUrls => ListenAddress.Equals(IPAddress.Any) ? AdvertisedAddress?.ToString() ?? Dns.GetHostName() : ListenAddress.ToString();

    // Asks the OS for a free port; another process could take it before the silo binds, which tests accept.
    private static int Free(int port, IPAddress listen)
    {
        if (port != 0) return port;
        using var probe = new TcpListener(listen, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
