using DistGen.Grains.Hosting;
using Microsoft.Extensions.Configuration;

namespace DistGen.Grains.Security.Tls;

/// <summary>
/// The transport security a process runs with, read once from <see cref="SecurityOptions"/>: the cluster certificates
/// when TLS is on, or none. Shared by the Orleans connections and the data plane.
/// </summary>
public sealed class TransportSecurity : IDisposable
{
    /// <summary>No TLS: loopback, tests and the embedded silo.</summary>
    public static TransportSecurity Plaintext { get; } = new(null, allowInsecure: false);

    public TransportSecurity(ClusterCertificates? certificates, bool allowInsecure) =>
        (Certificates, AllowInsecure) = (certificates, allowInsecure);

    /// <summary>The cluster certificates, or null when connections are plaintext.</summary>
    public ClusterCertificates? Certificates { get; }

    /// <summary>Whether plaintext beyond loopback was explicitly allowed.</summary>
    public bool AllowInsecure { get; }

    public bool TlsEnabled => Certificates is not null;

    /// <summary>The data plane's URL scheme: https with TLS, http without.</summary>
    public string Scheme => TlsEnabled ? Uri.UriSchemeHttps : Uri.UriSchemeHttp;

    /// <summary>
    /// Reads section <c>Security</c>: all three files or none. Throws <see cref="ClusterCertificateException"/> naming
    /// the setting or file at fault, or <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> for a key
    /// that is not a setting (<see cref="SettingsSection"/>).
    /// </summary>
    public static TransportSecurity Read(IConfiguration configuration) =>
        From(SettingsSection.Read<SecurityOptions>(configuration, SecurityOptions.SectionName));

    public static TransportSecurity From(SecurityOptions options)
    {
        if (!options.AnyFileSet) return new TransportSecurity(null, options.AllowInsecure);
        var missing = new[] { (nameof(options.Certificate), options.Certificate), (nameof(options.Key), options.Key), (nameof(options.Authority), options.Authority) }
            .Where(s => string.IsNullOrWhiteSpace(s.Item2)).Select(s => $"{SecurityOptions.SectionName}:{s.Item1}").ToList();
        if (missing.Count > 0)
            throw new ClusterCertificateException($"TLS needs {SecurityOptions.SectionName}:Certificate, :Key and :Authority together; {string.Join(" and ", missing)} not set");
        var certificates = ClusterCertificates.Load(options.Certificate!, options.Key!, options.Authority!);
        return new TransportSecurity(certificates, options.AllowInsecure);
    }

    public void Dispose() => Certificates?.Dispose();
}
