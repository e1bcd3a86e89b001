using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace DistGen.Cluster.Tests;

/// <summary>
/// A raw TLS client that is not ours: connects to a port on 127.0.0.1, shakes hands presenting the given certificate
/// (or none) while trusting any server, and reports whether the server kept the connection. With TLS 1.3 a server
/// refuses a client certificate after the client's handshake ends, so the answer comes from the first read.
/// </summary>
public static class TlsProbe
{
    public enum Outcome { Kept, Refused }

    /// <param name="port">A port on 127.0.0.1.</param>
    /// <param name="clientCertificate">The certificate to present, or null for none.</param>
    /// <param name="http2">Offer HTTP/2 by ALPN, as a data-plane client does (Orleans' ports end a handshake that offers it).</param>
    public static async Task<(Outcome Outcome, string Detail)> HandshakeAsync(int port, X509Certificate2? clientCertificate, bool http2)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            using var handshakeLimit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                ApplicationProtocols = http2 ? [SslApplicationProtocol.Http2] : null,
            }, handshakeLimit.Token);
            var buffer = new byte[1];
            using var readLimit = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            int read = await tls.ReadAsync(buffer, readLimit.Token);
            return read > 0 ? (Outcome.Kept, "the server spoke first") : (Outcome.Refused, "the server closed the connection");
        }
        catch (OperationCanceledException)
        {
            return (Outcome.Kept, "the server is waiting for the client");
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            return (Outcome.Refused, e.GetBaseException().Message);
        }
    }

    /// <summary>Reads a certificate and key from PEM files, usable as a TLS client certificate.</summary>
    public static X509Certificate2 Load(ClusterCertificates certificates, string role)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificates.PathOf($"{role}.pem"), certificates.PathOf($"{role}.key"));
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
