using System.Net;
using System.Net.Sockets;
using DistGen.Grains.DataPlane;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DistGen.Grains.Hosting.Probes;

/// <summary>
/// Ready while this silo's data plane accepts TCP connections on the address Kestrel bound: workers of other silos pull
/// and push tensors there. A connection is opened and closed, nothing is sent.
/// </summary>
public sealed class DataPlaneListeningCheck(DataPlaneEndpoint endpoint) : IHealthCheck
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (endpoint.Bound is not { } bound) return HealthCheckResult.Unhealthy("the data plane is not bound yet");
        // A wildcard listener is reached on loopback from inside the process.
        var target = bound.Address.Equals(IPAddress.Any) ? new IPEndPoint(IPAddress.Loopback, bound.Port)
            : bound.Address.Equals(IPAddress.IPv6Any) ? new IPEndPoint(IPAddress.IPv6Loopback, bound.Port)
            : bound;
        using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await socket.ConnectAsync(target, timeout.Token);
            return HealthCheckResult.Healthy($"listening on {bound}");
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"the data plane on {bound} does not accept connections: {e.Message}");
        }
    }
}
