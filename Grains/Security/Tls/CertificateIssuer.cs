using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DistGen.Grains.Security.Tls;

/// <summary>
/// Makes a cluster's own CA and the certificates it issues, with .NET's <see cref="CertificateRequest"/> (no external
/// tool): ECDSA P-256 keys, the role in the subject's OU, server and client authentication for silos, client
/// authentication only for clients. Used by <c>distgen cert init</c> and by the tests.
/// </summary>
public static class CertificateIssuer
{
    /// <summary>A self-signed CA certificate (with its key) that may only sign end certificates.</summary>
    public static X509Certificate2 CreateAuthority(string clusterName, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject($"DistGen CA {clusterName}", "ca", clusterName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now + lifetime);
    }

    /// <summary>
    /// A certificate for <paramref name="role"/> signed by <paramref name="authority"/> (which must hold its key). A silo
    /// certificate names <paramref name="hosts"/> (DNS names or IP addresses) as alternative names, for tools that check them.
    /// </summary>
    public static X509Certificate2 Issue(X509Certificate2 authority, CertificateRole role, string name, IEnumerable<string> hosts, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(name, role.UnitName(), OrganizationOf(authority)), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        var usages = new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") };
        if (role == CertificateRole.Silo) usages.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var alternativeNames = new SubjectAlternativeNameBuilder();
        bool anyName = false;
        foreach (var host in hosts)
        {
            if (IPAddress.TryParse(host, out var address)) alternativeNames.AddIpAddress(address);
            else alternativeNames.AddDnsName(host);
            anyName = true;
        }
        if (anyName) request.CertificateExtensions.Add(alternativeNames.Build());

        var now = DateTimeOffset.UtcNow;
        var notAfter = now + lifetime < authority.NotAfter ? now + lifetime : new DateTimeOffset(authority.NotAfter.ToUniversalTime());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number
        using var issued = request.Create(authority, now.AddMinutes(-5), notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>The certificate as PEM.</summary>
    public static string CertificatePem(X509Certificate2 certificate) => certificate.ExportCertificatePem();

    /// <summary>The private key as unencrypted PKCS#8 PEM (protect the file, not the text: the silos read it unattended).</summary>
    public static string KeyPem(X509Certificate2 certificate) =>
        certificate.GetECDsaPrivateKey()?.ExportPkcs8PrivateKeyPem()
        ?? throw new ArgumentException("the certificate has no ECDSA private key", nameof(certificate));

    private static X500DistinguishedName Subject(string commonName, string unit, string organization)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName(organization);
        builder.AddOrganizationalUnitName(unit);
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    private static string OrganizationOf(X509Certificate2 certificate) =>
        certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.GetSingleElementType().Value == "2.5.4.10")
            .Select(rdn => rdn.GetSingleElementValue())
            .FirstOrDefault() ?? "distgen";
}
