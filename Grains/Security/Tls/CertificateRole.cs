namespace DistGen.Grains.Security.Tls;

/// <summary>
/// What a certificate of the cluster's CA lets its holder be, written in its subject's OU (<c>OU=silo</c>; without an OU,
/// the CN's first label, <c>CN=silo.distgen</c>, as Helm's genSignedCert can write only a CN): a silo
/// joins the cluster and serves the data plane; an operator's or viewer's client certificate reaches the gateway only.
/// </summary>
public enum CertificateRole
{
    Silo,
    Operator,
    Viewer,
}

/// <summary>The OU text of each role.</summary>
public static class CertificateRoles
{
    /// <summary>The roles a client certificate may carry.</summary>
    public static readonly CertificateRole[] Clients = [CertificateRole.Operator, CertificateRole.Viewer];

    /// <summary>Every role: what the gateway accepts (silos also connect to gateways).</summary>
    public static readonly CertificateRole[] Any = [CertificateRole.Silo, CertificateRole.Operator, CertificateRole.Viewer];

    public static string UnitName(this CertificateRole role) => role.ToString().ToLowerInvariant();

    public static CertificateRole? Parse(string? unit) =>
        Enum.GetValues<CertificateRole>().Where(r => string.Equals(r.UnitName(), unit, StringComparison.Ordinal)).Cast<CertificateRole?>().FirstOrDefault();
}
