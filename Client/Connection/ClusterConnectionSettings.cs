using System.Text;
using DistGen.Grains.Hosting;
using DistGen.Grains.Security.Tls;

namespace DistGen.Client.Connection;

/// <summary>
/// Where and how the console reaches a cluster: through Redis membership (<see cref="Redis"/>) or a gateway
/// (<see cref="Gateway"/>, default 127.0.0.1:30000). The secret is carried for the data plane and never printed.
/// </summary>
public sealed record ClusterConnectionSettings
{
    /// <summary>The gateway of a silo running with default settings on this machine.</summary>
    public const string DefaultGateway = "127.0.0.1:30000";

    /// <summary>Redis connection string (<c>HOST:PORT</c>) of the cluster's membership; when set, gateways come from it.</summary>
    public string? Redis { get; init; }

    /// <summary>A silo gateway as <c>HOST:PORT</c>; used when <see cref="Redis"/> is not set.</summary>
    public string Gateway { get; init; } = DefaultGateway;

    /// <summary>The cluster's id (the silos' <c>Cluster:ClusterId</c>).</summary>
    public string ClusterId { get; init; } = "distgen";

    /// <summary>The cluster's service id (the silos' <c>Cluster:ServiceId</c>); unset, the <see cref="ClusterId"/>, as on the silos.</summary>
    public string ServiceId { get => _serviceId ?? ClusterId; init => _serviceId = string.IsNullOrWhiteSpace(value) ? null : value.Trim(); }

    private readonly string? _serviceId;

    /// <summary>The cluster secret the data plane asks for; never logged or printed.</summary>
    public string? Secret { get; init; }

    /// <summary>This client's certificate and the cluster's CA when the cluster runs TLS; null for plaintext (loopback).</summary>
    public ClusterCertificates? Certificates { get; init; }

    /// <summary>How long connecting may take before the cluster counts as unreachable.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>What the connection goes through, for messages: "Redis host:port" or "gateway host:port".</summary>
    public string Target => Redis is not null ? $"Redis {ClusterHostOptions.RedisServersOf(Redis)}" : $"gateway {Gateway}";

    // Records print every property; this one prints the secret's presence only.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Target = {Target}, ClusterId = {ClusterId}, ServiceId = {ServiceId}, ");
        builder.Append($"Secret = {(Secret is null ? "none" : "***")}, Tls = {(Certificates is null ? "off" : Certificates.Own.Subject)}, ConnectTimeout = {ConnectTimeout}");
        return true;
    }
}
