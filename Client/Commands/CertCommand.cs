using System.CommandLine;
using DistGen.Grains.Security.Http;
using DistGen.Grains.Security.Tls;

namespace DistGen.Client.Commands;

/// <summary>
/// <c>distgen cert init DIR</c>: a cluster CA and the certificates it issues (one for silos, one each for an operator
/// and a viewer client), as PEM files that silos and the console read, and the token of the silos' HTTP port
/// (dashboard) with its SHA-256, which is all the silos keep. Keys and the token are readable by their owner only, a
/// folder it creates is private, and nothing already there is overwritten.
/// </summary>
public static class CertCommand
{
    /// <summary>The files <c>cert init</c> writes, by role; keys end in .key, certificates in .pem.</summary>
    public static readonly string[] FileNames =
        ["ca.pem", "ca.key", "silo.pem", "silo.key", "operator.pem", "operator.key", "viewer.pem", "viewer.key", "http-token", "http-token.sha256"];

    public static Command Create()
    {
        var folder = new Argument<string>("dir") { Description = "Folder to write the CA, silo and client certificates into (created, private)." };
        var cluster = new Option<string>("--cluster-name") { Description = "Name written into the CA's subject.", DefaultValueFactory = _ => "distgen" };
        var hosts = new Option<string[]>("--silo-host")
        {
            Description = "A DNS name or IP address of the silos, written into the silo certificate (repeatable; 127.0.0.1 and localhost are always in).",
            AllowMultipleArgumentsPerToken = true,
        };
        var days = new Option<int>("--days") { Description = "How long the certificates are valid, in days.", DefaultValueFactory = _ => 365 };
        var init = new Command("init", "Make a cluster CA and certificates for the silos, an operator and a viewer (PEM files).") { folder, cluster, hosts, days };
        init.SetAction(parse => Init(parse.GetValue(folder)!, parse.GetValue(cluster)!, parse.GetValue(hosts) ?? [], parse.GetValue(days), Console.Out, Console.Error));
        return new Command("cert", "Certificates for mutual TLS between silos, clients and the data plane.") { init };
    }

    /// <summary>Writes the files; returns the exit code (2 when the folder already holds any of them or the input is bad).</summary>
    public static int Init(string folder, string clusterName, IReadOnlyList<string> siloHosts, int days, TextWriter output, TextWriter error)
    {
        if (days is < 1 or > 3650)
        {
            error.WriteLine($"--days {days} is out of range: give 1..3650.");
            return ExitCodes.BadInput;
        }
        if (string.IsNullOrWhiteSpace(clusterName))
        {
            error.WriteLine("--cluster-name is empty: give the cluster a name, e.g. distgen.");
            return ExitCodes.BadInput;
        }
        var existing = FileNames.Select(name => Path.Combine(folder, name)).Where(File.Exists).ToList();
        if (existing.Count > 0)
        {
            error.WriteLine($"{folder} already holds {string.Join(", ", existing.Select(Path.GetFileName))}: nothing was written. " +
                "Choose an empty folder (replacing a CA means reissuing every certificate).");
            return ExitCodes.BadInput;
        }

        var lifetime = TimeSpan.FromDays(days);
        // A folder made here is private; an existing one keeps its mode (the keys are private either way).
        bool created = !Directory.Exists(folder);
        var directory = Directory.CreateDirectory(folder);
        if (created && !OperatingSystem.IsWindows()) directory.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        using var authority = CertificateIssuer.CreateAuthority(clusterName, lifetime + TimeSpan.FromDays(1));
        Write(folder, "ca", authority);
        var siloNames = new[] { "localhost", "127.0.0.1" }.Concat(siloHosts).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var (role, name, names) in new[]
        {
            (CertificateRole.Silo, "silo", (IReadOnlyList<string>)siloNames),
            (CertificateRole.Operator, "operator", []),
            (CertificateRole.Viewer, "viewer", []),
        })
        {
            using var issued = CertificateIssuer.Issue(authority, role, $"{clusterName} {name}", names, lifetime);
            Write(folder, name, issued);
        }

        var token = HttpToken.Create();
        WriteNew(Path.Combine(folder, "http-token"), token + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteNew(Path.Combine(folder, "http-token.sha256"), HttpToken.Sha256(token) + "\n",
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        output.WriteLine($"Wrote to {Path.GetFullPath(folder)} (valid {days} days):");
        output.WriteLine("  ca.pem        the cluster's CA certificate: give it to every silo and client (Security:Authority, --ca)");
        output.WriteLine("  ca.key        the CA's key: keep it offline; it only signs new certificates");
        output.WriteLine("  silo.pem/key  every silo's certificate (Security:Certificate, Security:Key)");
        output.WriteLine("  operator.*    a client that may submit and cancel jobs (--cert, --key)");
        output.WriteLine("  viewer.*      a client that may only look (--cert, --key)");
        output.WriteLine("  http-token    the token of the silos' HTTP port (dashboard): give it to people, as the password in the browser");
        output.WriteLine("  http-token.sha256  its hash, for every silo (Security:HttpTokenSha256)");
        return ExitCodes.Success;
    }

    private static void Write(string folder, string name, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        WriteNew(Path.Combine(folder, $"{name}.key"), CertificateIssuer.KeyPem(certificate), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteNew(Path.Combine(folder, $"{name}.pem"), CertificateIssuer.CertificatePem(certificate),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    // Created with its final permissions (never briefly world-readable) and never over an existing file.
    private static void WriteNew(string path, string text, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode;
        using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options);
        writer.Write(text);
    }
}
