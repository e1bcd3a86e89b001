using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace DistGen.Grains.Security.Tls;

/// <summary>
/// Mutual TLS for the data plane's HTTP/2: the endpoint requires a silo certificate of the cluster's CA from every
/// caller, and a silo calling out accepts only a silo certificate of that CA. The cluster-secret header still travels
/// inside, as a second check.
/// </summary>
public static class DataPlaneTls
{
    private const SslProtocols Protocols = SslProtocols.Tls13 | SslProtocols.Tls12;

    /// <summary>Kestrel's side.</summary>
    public static HttpsConnectionAdapterOptions Server(ClusterCertificates certificates) => new()
    {
        ServerCertificate = certificates.Own,
        ClientCertificateMode = ClientCertificateMode.RequireCertificate,
        ClientCertificateValidation = (certificate, _, _) => certificates.Admits(certificate, TlsSide.Client, [CertificateRole.Silo], out _),
        SslProtocols = Protocols,
        CheckCertificateRevocation = false,
    };

    /// <summary>The calling side (SocketsHttpHandler.SslOptions).</summary>
    public static SslClientAuthenticationOptions Client(ClusterCertificates certificates) => new()
    {
        ClientCertificates = [certificates.Own],
        EnabledSslProtocols = Protocols,
        CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => certificates.Admits(certificate, TlsSide.Server, [CertificateRole.Silo], out _),
    };
}
