using Orleans.Configuration;
using Orleans.Connections.Security;

namespace DistGen.Grains.Security.Tls;

/// <summary>
/// Mutual TLS on Orleans' connections, with <see cref="ClusterCertificates"/> deciding who is let in: the silo port
/// admits silos only; the gateway admits silos and client certificates (operator, viewer); a silo or client dialling
/// out accepts only a silo at the other end. Plaintext connections fail the handshake.
/// </summary>
public static class OrleansTls
{
    /// <summary>TLS on every connection of a silo.</summary>
    public static ISiloBuilder UseClusterTls(this ISiloBuilder silo, ClusterCertificates certificates) =>
        silo.Configure<SiloConnectionOptions>(connections =>
        {
            connections.ConfigureSiloInboundConnection(c => c.UseServerTls(Options(certificates, TlsSide.Client, [CertificateRole.Silo])));
            connections.ConfigureGatewayInboundConnection(c => c.UseServerTls(Options(certificates, TlsSide.Client, CertificateRoles.Any)));
            connections.ConfigureSiloOutboundConnection(c => c.UseClientTls(Options(certificates, TlsSide.Server, [CertificateRole.Silo])));
        });

    /// <summary>TLS on a client's connections to gateways; <paramref name="refused"/> hears why a gateway's certificate was refused.</summary>
    public static IClientBuilder UseClusterTls(this IClientBuilder client, ClusterCertificates certificates, Action<string>? refused = null) =>
        client.Configure<ClientConnectionOptions>(connections =>
            connections.ConfigureConnection(c => c.UseClientTls(Options(certificates, TlsSide.Server, [CertificateRole.Silo], refused))));

    // remoteSide: which end the other party is, so its certificate must allow that usage.
    private static TlsOptions Options(ClusterCertificates certificates, TlsSide remoteSide, CertificateRole[] roles, Action<string>? refused = null) => new()
    {
        LocalCertificate = certificates.Own,
        RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
        ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
        // Replaces the default policy check: the chain to the cluster's CA is checked here, host names are not.
        RemoteCertificateValidation = (certificate, _, _) =>
        {
            if (certificates.Admits(certificate, remoteSide, roles, out var problem)) return true;
            refused?.Invoke($"{certificate.Subject}: {problem}");
            return false;
        },
    };
}
