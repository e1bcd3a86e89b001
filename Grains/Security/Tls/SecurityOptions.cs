namespace DistGen.Grains.Security.Tls;

/// <summary>
/// Transport security of a silo or client: configuration section <c>Security</c> (env <c>DISTGEN__Security__Certificate</c>).
/// With the three files set, every connection (silo to silo, client to gateway, the data plane) is mutual TLS with
/// certificates of the cluster's CA. Without them a silo may listen on loopback only, unless
/// <see cref="AllowInsecure"/> is set.
/// </summary>
public sealed class SecurityOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Security";

    /// <summary>PEM file of this process's certificate (issued by the cluster's CA).</summary>
    public string? Certificate { get; set; }

    /// <summary>PEM file of that certificate's private key (PKCS#8 or the key type's own format).</summary>
    public string? Key { get; set; }

    /// <summary>PEM file of the cluster's CA certificate: the only issuer trusted.</summary>
    public string? Authority { get; set; }

    /// <summary>
    /// SHA-256 (hex) of the token that opens the silo's HTTP port (dashboard) beyond <c>/healthz</c>; written by
    /// <c>distgen cert init</c> as http-token.sha256. Required when the HTTP port listens beyond loopback.
    /// </summary>
    public string? HttpTokenSha256 { get; set; }

    /// <summary>Lets a silo listen beyond loopback without TLS (a trusted, isolated network only); logged as a warning on every start.</summary>
    public bool AllowInsecure { get; set; }

    /// <summary>Whether any of the three files is set (then all three must be).</summary>
    public bool AnyFileSet => !string.IsNullOrWhiteSpace(Certificate) || !string.IsNullOrWhiteSpace(Key) || !string.IsNullOrWhiteSpace(Authority);
}
