using System.Security.Cryptography.X509Certificates;
using DistGen.Client.Commands;
using DistGen.Grains.Security.Tls;

namespace DistGen.Tests.Grains.Security;

/// <summary>The check every TLS connection makes of the other side, on certificates made by <c>distgen cert init</c>.</summary>
public sealed class ClusterCertificatesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-certs-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Init(string name)
    {
        var folder = Path.Combine(_folder, name);
        Assert.Equal(0, CertCommand.Init(folder, name, [], 30, TextWriter.Null, TextWriter.Null));
        return folder;
    }

    private static ClusterCertificates Load(string folder, string role, string? authorityFolder = null) =>
        ClusterCertificates.Load(Path.Combine(folder, $"{role}.pem"), Path.Combine(folder, $"{role}.key"), Path.Combine(authorityFolder ?? folder, "ca.pem"));

    [Fact]
    public void Each_role_is_admitted_where_it_belongs_and_nowhere_else()
    {
        var folder = Init("ours");
        using var silo = Load(folder, "silo");
        using var viewer = Load(folder, "viewer");
        using var operatorCertificates = Load(folder, "operator");
        Assert.Equal((CertificateRole.Silo, CertificateRole.Viewer, CertificateRole.Operator), (silo.Role, viewer.Role, operatorCertificates.Role));

        Assert.True(silo.Admits(silo.Own, TlsSide.Client, [CertificateRole.Silo], out var problem), problem);
        Assert.True(silo.Admits(silo.Own, TlsSide.Server, [CertificateRole.Silo], out problem), problem);
        Assert.True(silo.Admits(viewer.Own, TlsSide.Client, CertificateRoles.Any, out problem), problem);
        Assert.True(silo.Admits(operatorCertificates.Own, TlsSide.Client, CertificateRoles.Any, out problem), problem);

        Assert.False(silo.Admits(viewer.Own, TlsSide.Client, [CertificateRole.Silo], out problem));
        Assert.Contains("its role is viewer, but this endpoint admits silo", problem);
        // A client certificate cannot pose as a server: it lacks the server-authentication usage.
        Assert.False(viewer.Admits(operatorCertificates.Own, TlsSide.Server, CertificateRoles.Any, out problem));
        Assert.Contains("not issued by the cluster's CA, or not valid now", problem);
        Assert.False(silo.Admits(null, TlsSide.Client, CertificateRoles.Any, out problem));
        Assert.Equal("no certificate was presented", problem);
    }

    [Fact]
    public void A_certificate_of_another_CA_the_CA_itself_and_an_expired_one_are_refused()
    {
        var ours = Init("ours");
        var theirs = Init("theirs");
        using var silo = Load(ours, "silo");
        using var foreign = Load(theirs, "silo");
        Assert.False(silo.Admits(foreign.Own, TlsSide.Client, CertificateRoles.Any, out var problem));
        Assert.Contains("not issued by the cluster's CA", problem);
        // The same subject and role, another CA: still refused, so the check is the issuer, not the names.
        Assert.Equal(silo.Own.Subject.Replace("ours", "theirs"), foreign.Own.Subject);

        Assert.False(silo.Admits(silo.Authority, TlsSide.Client, CertificateRoles.Any, out problem));

        using var authority = X509Certificate2.CreateFromPemFile(Path.Combine(ours, "ca.pem"), Path.Combine(ours, "ca.key"));
        using var expired = CertificateIssuer.Issue(authority, CertificateRole.Silo, "expired silo", [], TimeSpan.FromMinutes(-1));
        Assert.True(expired.NotAfter < DateTime.Now);
        Assert.False(silo.Admits(expired, TlsSide.Client, CertificateRoles.Any, out problem));
        Assert.Contains("not valid now", problem);
    }

    [Fact]
    public void Files_that_do_not_belong_together_are_named_errors()
    {
        var ours = Init("ours");
        var theirs = Init("theirs");
        var missing = Assert.Throws<ClusterCertificateException>(() => ClusterCertificates.Load(Path.Combine(ours, "nope.pem"), Path.Combine(ours, "silo.key"), Path.Combine(ours, "ca.pem")));
        Assert.Contains("nope.pem does not exist", missing.Message);
        var wrongKey = Assert.Throws<ClusterCertificateException>(() => ClusterCertificates.Load(Path.Combine(ours, "silo.pem"), Path.Combine(ours, "viewer.key"), Path.Combine(ours, "ca.pem")));
        Assert.Contains("cannot read the certificate", wrongKey.Message);
        var foreign = Assert.Throws<ClusterCertificateException>(() => Load(theirs, "silo", authorityFolder: ours));
        Assert.Contains("is not usable with the CA", foreign.Message);
        var partial = Assert.Throws<ClusterCertificateException>(() => TransportSecurity.From(new SecurityOptions { Certificate = Path.Combine(ours, "silo.pem") }));
        Assert.Contains("Security:Key and Security:Authority not set", partial.Message);
    }

    [Fact]
    public void Cert_init_writes_private_keys_and_refuses_to_overwrite_anything()
    {
        var folder = Init("ours");
        if (!OperatingSystem.IsWindows()) AssertPrivate(folder);

        var before = CertCommand.FileNames.ToDictionary(n => n, n => File.ReadAllText(Path.Combine(folder, n)));
        var error = new StringWriter();
        Assert.Equal(2, CertCommand.Init(folder, "ours", [], 30, TextWriter.Null, error));
        Assert.Contains("nothing was written", error.ToString());
        Assert.All(CertCommand.FileNames, n => Assert.Equal(before[n], File.ReadAllText(Path.Combine(folder, n))));
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void AssertPrivate(string folder)
    {
        foreach (var name in CertCommand.FileNames)
        {
            var mode = File.GetUnixFileMode(Path.Combine(folder, name));
            if (name.EndsWith(".key", StringComparison.Ordinal) || name == "http-token") Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
            else Assert.Equal(UnixFileMode.None, mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
    }

    [Theory]
    [InlineData("CN=silo.distgen", CertificateRole.Silo)]
    [InlineData("CN=operator.alice", CertificateRole.Operator)]
    [InlineData("CN=viewer", CertificateRole.Viewer)]
    [InlineData("OU=viewer, CN=silo.distgen", CertificateRole.Viewer)]
    [InlineData("CN=root.distgen", null)]
    [InlineData("OU=ca, CN=silo.distgen", null)]
    public void The_role_is_the_OU_or_without_one_the_first_label_of_the_CN(string subject, CertificateRole? role)
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        using var certificate = new CertificateRequest(subject, key, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal(role, ClusterCertificates.RoleOf(certificate));
    }
}
