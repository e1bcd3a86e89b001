namespace DistGen.Cluster.Tests;

/// <summary>
/// A cluster CA and its certificates made by the real <c>distgen cert init</c>, in a folder of the test's own, and the
/// settings that give them to a silo or to distgen.
/// </summary>
public sealed class ClusterCertificates : IDisposable
{
    private ClusterCertificates(string folder) => Folder = folder;

    public string Folder { get; }

    public string PathOf(string file) => Path.Combine(Folder, file);

    /// <summary>Runs <c>distgen cert init</c> into a new temporary folder.</summary>
    public static async Task<ClusterCertificates> CreateAsync(string clusterName)
    {
        var folder = Path.Combine(Directory.CreateTempSubdirectory("distgen-certs-").FullName, "certs");
        var init = await ClusterFixture.RunDistgenAsync(["cert", "init", folder, "--cluster-name", clusterName]);
        if (init.ExitCode != 0) throw new InvalidOperationException($"distgen cert init exited {init.ExitCode}:\n{init.Tail}");
        return new ClusterCertificates(folder);
    }

    /// <summary>The DISTGEN__Security__ variables of a silo holding this CA's silo certificate.</summary>
    public Dictionary<string, string> SiloSettings(string role = "silo") => new()
    {
        ["DISTGEN__Security__Certificate"] = PathOf($"{role}.pem"),
        ["DISTGEN__Security__Key"] = PathOf($"{role}.key"),
        ["DISTGEN__Security__Authority"] = PathOf("ca.pem"),
        ["DISTGEN__Security__HttpTokenSha256"] = File.ReadAllText(PathOf("http-token.sha256")).Trim(),
    };

    /// <summary>The token of the silos' HTTP port, as a person is given it.</summary>
    public string HttpToken => File.ReadAllText(PathOf("http-token")).Trim();

    /// <summary>distgen's TLS flags for a client certificate of <paramref name="role"/>, trusting <paramref name="authority"/> (default: this CA).</summary>
    public string[] ClientArguments(string role, ClusterCertificates? authority = null) =>
        ["--cert", PathOf($"{role}.pem"), "--key", PathOf($"{role}.key"), "--ca", (authority ?? this).PathOf("ca.pem")];

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(Folder)!, recursive: true);
}
