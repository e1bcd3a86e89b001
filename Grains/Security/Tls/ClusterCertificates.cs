using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DistGen.Grains.Security.Tls;

/// <summary>
/// This process's certificate and key and the cluster's CA, read from PEM files, and the one check every TLS
/// connection makes of the other side: a certificate issued by that CA (and no other), valid now, for the usage of
/// the connection, carrying a role the endpoint admits. Host names are not checked: silos come and go with new
/// addresses, and only the cluster's CA issues certificates that pass.
/// </summary>
public sealed class ClusterCertificates : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");
    private const string OrganizationalUnit = "2.5.4.11";
    private const string CommonName = "2.5.4.3";

    private ClusterCertificates(X509Certificate2 own, X509Certificate2 authority, CertificateRole role) =>
        (Own, Authority, Role) = (own, authority, role);

    /// <summary>This process's certificate, with its private key.</summary>
    public X509Certificate2 Own { get; }

    /// <summary>The cluster's CA certificate: the only root trusted.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The role of <see cref="Own"/>.</summary>
    public CertificateRole Role { get; }

    /// <summary>
    /// Reads the files and checks that they belong together: the key matches the certificate, and the certificate is
    /// one of the CA's, valid now. Throws <see cref="ClusterCertificateException"/> naming the file and the problem.
    /// </summary>
    public static ClusterCertificates Load(string certificatePath, string keyPath, string authorityPath)
    {
        var authority = ReadCertificate(authorityPath, "CA certificate");
        X509Certificate2 own;
        try
        {
            using var loaded = X509Certificate2.CreateFromPemFile(Existing(certificatePath, "certificate"), Existing(keyPath, "private key"));
            // A key that lives only in memory cannot be handed to the TLS layer on every platform; a PKCS#12 round trip can.
            own = X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException e)
        {
            throw new ClusterCertificateException(
                $"cannot read the certificate {certificatePath} with the key {keyPath}: {e.Message.TrimEnd('.')} (is the key the certificate's, both PEM?)", e);
        }
        catch (ArgumentException e)
        {
            throw new ClusterCertificateException($"cannot read the certificate {certificatePath} with the key {keyPath}: {e.Message}", e);
        }
        var certificates = new ClusterCertificates(own, authority, CertificateRole.Silo);
        var role = RoleOf(own) ?? throw new ClusterCertificateException(
            $"the certificate {certificatePath} names no DistGen role (OU=silo, operator or viewer): make it with 'distgen cert init'");
        if (!certificates.IsIssuedHere(own, out var problem, usage: null))
            throw new ClusterCertificateException($"the certificate {certificatePath} is not usable with the CA {authorityPath}: {problem}");
        return new ClusterCertificates(own, authority, role);
    }

    /// <summary>
    /// Whether <paramref name="presented"/> may open a connection: issued by the cluster's CA, valid now, allowed for
    /// <paramref name="usage"/> (server or client authentication) and carrying one of <paramref name="roles"/>.
    /// </summary>
    public bool Admits(X509Certificate? presented, TlsSide usage, IReadOnlyCollection<CertificateRole> roles, out string problem)
    {
        if (presented is null)
        {
            problem = "no certificate was presented";
            return false;
        }
        using var certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        if (!IsIssuedHere(certificate, out problem, usage)) return false;
        var role = RoleOf(certificate);
        if (role is not { } r || !roles.Contains(r))
        {
            problem = $"its role is {(role is null ? "none" : role.Value.UnitName())}, but this endpoint admits {string.Join(" or ", roles.Select(x => x.UnitName()))}";
            return false;
        }
        return true;
    }

    /// <summary>
    /// The role a certificate's subject names: its OU, or for a subject without an OU (Helm's genSignedCert sets only
    /// the CN) the first dot-separated label of its CN, as in <c>CN=silo.distgen</c>.
    /// </summary>
    public static CertificateRole? RoleOf(X509Certificate2 certificate)
    {
        var names = certificate.SubjectName.EnumerateRelativeDistinguishedNames().Where(rdn => !rdn.HasMultipleElements).ToList();
        var units = names.Where(rdn => rdn.GetSingleElementType().Value == OrganizationalUnit).Select(rdn => rdn.GetSingleElementValue()).ToList();
        if (units.Count > 0) return units.Select(CertificateRoles.Parse).FirstOrDefault(role => role is not null);
        var commonName = names.Where(rdn => rdn.GetSingleElementType().Value == CommonName).Select(rdn => rdn.GetSingleElementValue()).FirstOrDefault();
        return CertificateRoles.Parse(commonName?.Split('.')[0]);
    }

    public void Dispose()
    {
        Own.Dispose();
        Authority.Dispose();
    }

    private bool IsIssuedHere(X509Certificate2 certificate, out string problem, TlsSide? usage)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (usage is { } side) chain.ChainPolicy.ApplicationPolicy.Add(side == TlsSide.Server ? ServerAuthentication : ClientAuthentication);
        bool built = chain.Build(certificate);
        // CustomRootTrust already refuses other roots; the last element must still be this very CA.
        if (built && chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(Authority.RawDataMemory.Span))
        {
            problem = "";
            return true;
        }
        var reasons = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct().ToList();
        problem = $"not issued by the cluster's CA, or not valid now ({(reasons.Count > 0 ? string.Join("; ", reasons) : "its chain ends at another root")})";
        return false;
    }

    private static X509Certificate2 ReadCertificate(string path, string what)
    {
        try
        {
            return X509CertificateLoader.LoadCertificate(X509Certificate2.CreateFromPem(File.ReadAllText(Existing(path, what))).RawDataMemory.Span);
        }
        catch (CryptographicException e)
        {
            throw new ClusterCertificateException($"cannot read the {what} {path}: {e.Message.TrimEnd('.')} (expected a PEM certificate)", e);
        }
    }

    private static string Existing(string path, string what) =>
        File.Exists(path) ? path : throw new ClusterCertificateException($"the {what} file {path} does not exist: run 'distgen cert init' or fix the path");
}

/// <summary>Which end of a TLS connection a certificate authenticates.</summary>
public enum TlsSide
{
    /// <summary>The side that accepted the connection (needs server authentication usage).</summary>
    Server,

    /// <summary>The side that opened it (needs client authentication usage).</summary>
    Client,
}
