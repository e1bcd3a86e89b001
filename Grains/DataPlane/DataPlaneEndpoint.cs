using Microsoft.AspNetCore.Server.Kestrel.Core;
using DistGen.Grains.Security.Tls;
using Microsoft.Extensions.Options;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// This silo's data-plane address as other silos reach it: DataPlane:AdvertisedEndpoint when set, else
/// http://127.0.0.1:{port} (https with TLS). With DataPlane:Port 0 the port is the one Kestrel actually bound, known once the host has
/// started (Kestrel writes it back into the endpoint's <see cref="ListenOptions"/>).
/// </summary>
public sealed class DataPlaneEndpoint(IOptions<DataPlaneOptions> options, TransportSecurity? security = null)
{
    private ListenOptions? _listen;

    /// <summary>The address, e.g. "http://10.0.0.7:5005".</summary>
    public string Address
    {
        get
        {
            var o = options.Value;
            var scheme = (security ?? TransportSecurity.Plaintext).Scheme;
            if (!string.IsNullOrWhiteSpace(o.AdvertisedEndpoint) || o.Port != 0) return o.EndpointFor(o.Port, scheme);
            int bound = _listen?.IPEndPoint?.Port ?? 0;
            return bound != 0
                ? o.EndpointFor(bound, scheme)
                : throw new InvalidOperationException(
                    "DataPlane:Port is 0 and the data-plane endpoint is not bound yet: read the local endpoint after the host has started");
        }
    }

    /// <summary>The address and port Kestrel bound for the data plane, or null before the host has started.</summary>
    public System.Net.IPEndPoint? Bound => _listen?.IPEndPoint is { Port: > 0 } bound ? bound : null;

    /// <summary>Remembers the Kestrel endpoint of the data plane (called by <see cref="DataPlaneHosting.ListenDistGenDataPlane"/>).</summary>
    internal void Attach(ListenOptions listen) => _listen = listen;

    /// <summary>True when <paramref name="endpoint"/> names this silo's data plane.</summary>
    public bool IsLocal(string endpoint) =>
        string.Equals(endpoint.TrimEnd('/'), Address, StringComparison.OrdinalIgnoreCase);
}
