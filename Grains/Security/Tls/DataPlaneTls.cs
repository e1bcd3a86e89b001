using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace DistGen.Grains.Security.Tls;

/// <summary>
/// Mutual TLS for the data plane's HTTP/2. The endpoint requires a certificate of the cluster's CA from every caller: a
/// silo's, or a console's (operator or viewer), which downloads artifacts with tickets. The tensor methods answer silo
/// certificates only (<see cref="IsSilo"/>, checked per call by the tensor service), and the cluster-secret header still
/// travels inside as a second check. A silo calling out accepts only a silo certificate of that CA.
/// </summary>
public static class DataPlaneTls
{
    private const SslProtocols Protocols = SslProtocols.Tls13 | SslProtocols.Tls12;

    /// <summary>Kestrel's side.</summary>
    public static HttpsConnectionAdapterOptions Server(ClusterCertificates certificates) => new()
    {
        ServerCertificate = certificates.Own,
        ClientCertificateMode = ClientCertificateMode.RequireCertificate,
        ClientCertificateValidation = (certificate, _, _) => certificates.Admits(certificate, TlsSide.Client, CertificateRoles.Any, out _),
        SslProtocols = Protocols,
        CheckCertificateRevocation = false,
    };

    /// <summary>The calling side (SocketsHttpHandler.SslOptions): a silo's, or the console's for downloads.</summary>
    public static SslClientAuthenticationOptions Client(ClusterCertificates certificates) => new()
    {
        ClientCertificates = [certificates.Own],
        EnabledSslProtocols = Protocols,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => certificates.Admits(certificate, TlsSide.Server, [CertificateRole.Silo], out _),
    };

    /// <summary>
    /// Whether a connection's client certificate, already admitted by <see cref="Server"/> (the CA, validity and usage
    /// are checked there), is a silo's.
    /// </summary>
    public static bool IsSilo(X509Certificate2? connectionCertificate) =>
        connectionCertificate is not null && ClusterCertificates.RoleOf(connectionCertificate) == CertificateRole.Silo;
}
