using DistGen.Grains.DataPlane;
using DistGen.Grains.Security.Tls;
using Microsoft.Extensions.DependencyInjection;

namespace DistGen.Bench;

/// <summary>
/// The cost of mutual TLS on the data plane: push and pull MiB/s through two TensorExchange endpoints in this process,
/// one plaintext (h2c) and one with TLS and certificates of a CA made for the run, alternated within each repeat so
/// both see the same load. Loopback only: no network is crossed, so this is the encryption's CPU cost, not a wire's.
/// </summary>
public static class DataPlaneTlsCost
{
    private const int MiB = 1 << 20;
    private static readonly (int MiBs, int Repeats)[] Sizes = [(4, 21), (64, 9), (256, 5)];

    public static async Task<IEnumerable<string>> RunAsync()
    {
        var folder = Directory.CreateTempSubdirectory("distgen-bench-tls-").FullName;
        try
        {
            using var certificates = MakeCertificates(folder);
            var tls = new TransportSecurity(certificates, allowInsecure: false);
            await using var plainServer = await DataPlaneThroughput.StartServerAsync();
            await using var tlsServer = await DataPlaneThroughput.StartServerAsync(tls);
            using var plainClient = DataPlaneThroughput.Client("float32");
            using var tlsClient = DataPlaneThroughput.Client("float32", security: tls);
            var sides = new[]
            {
                (Name: "h2c", Server: plainServer.Services, Client: plainClient),
                (Name: "TLS", Server: tlsServer.Services, Client: tlsClient),
            };
            var endpoints = sides.Select(s => s.Server.GetRequiredService<ITensorExchange>().LocalEndpoint).ToArray();
            var stores = sides.Select(s => s.Server.GetRequiredService<TensorStore>()).ToArray();

            int keys = 0;
            var small = DataPlaneThroughput.Payload(4 * MiB / sizeof(float));
            for (int i = 0; i < 20; i++)
            for (int s = 0; s < sides.Length; s++)
            {
                var warmUp = TensorKey.GradientsOf("bench", keys++, "warm-up");
                await sides[s].Client.PushAsync(endpoints[s], warmUp, small);
                await sides[s].Client.PullAsync(endpoints[s], warmUp);
                stores[s].TryTake(warmUp, out _);
            }

            var lines = new List<string>
            {
                "| tensor | h2c push MiB/s | TLS push MiB/s | TLS / h2c push | h2c pull MiB/s | TLS pull MiB/s | TLS / h2c pull |",
                "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            };
            foreach (var (size, repeats) in Sizes)
            {
                var payload = DataPlaneThroughput.Payload(size * MiB / sizeof(float));
                var stored = TensorKey.GradientsOf("bench", keys++, "pull");
                foreach (var store in stores) store.TryAdd(stored, payload);
                var runs = sides.Select(_ => new List<(double Push, double Pull)>()).ToArray();
                for (int i = 0; i < repeats; i++)
                for (int s = 0; s < sides.Length; s++)
                {
                    var pushed = TensorKey.GradientsOf("bench", keys++, "push");
                    double push = size / await DataPlaneThroughput.TimedAsync(() => sides[s].Client.PushAsync(endpoints[s], pushed, payload));
                    stores[s].TryTake(pushed, out _);
                    double pull = size / await DataPlaneThroughput.TimedAsync(() => sides[s].Client.PullAsync(endpoints[s], stored));
                    runs[s].Add((push, pull));
                }
                foreach (var store in stores) store.TryTake(stored, out _);
                double Push(int s) => Median.Of(runs[s].Select(r => r.Push));
                double Pull(int s) => Median.Of(runs[s].Select(r => r.Pull));
                double pushRatio = Median.Of(Enumerable.Range(0, repeats).Select(i => runs[1][i].Push / runs[0][i].Push));
                double pullRatio = Median.Of(Enumerable.Range(0, repeats).Select(i => runs[1][i].Pull / runs[0][i].Pull));
                Console.Error.WriteLine($"  {size} MiB: push h2c {Push(0):F0}, TLS {Push(1):F0}; pull h2c {Pull(0):F0}, TLS {Pull(1):F0} MiB/s");
                lines.Add($"| {size} MiB | {Push(0):F0} | {Push(1):F0} | {pushRatio:F2}x | {Pull(0):F0} | {Pull(1):F0} | {pullRatio:F2}x |");
            }
            lines.AddRange(["",
                "float32 wire, 1 MiB chunks, batched socket calls on both. Medians over repeats in which the h2c and the TLS endpoint " +
                "each push and pull in turn; a ratio is the median of the per-repeat ratios. Mutual TLS with ECDSA P-256 " +
                "certificates from CertificateIssuer (TLS 1.3, the cipher OpenSSL picks). Server and client share this " +
                "process and its cores, on loopback: the figures are the encryption's CPU cost, no network was crossed."]);
            return lines;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static ClusterCertificates MakeCertificates(string folder) => MakeCertificates(folder, CertificateRole.Silo)[0];

    /// <summary>Certificates of the given roles, all issued by one CA made for the run, written into <paramref name="folder"/>.</summary>
    internal static ClusterCertificates[] MakeCertificates(string folder, params CertificateRole[] roles)
    {
        using var authority = CertificateIssuer.CreateAuthority("bench", TimeSpan.FromDays(2));
        File.WriteAllText(Path.Combine(folder, "ca.pem"), CertificateIssuer.CertificatePem(authority));
        return roles.Select(role =>
        {
            var name = role.UnitName();
            using var issued = CertificateIssuer.Issue(authority, role, $"bench {name}", ["127.0.0.1"], TimeSpan.FromDays(1));
            File.WriteAllText(Path.Combine(folder, $"{name}.pem"), CertificateIssuer.CertificatePem(issued));
            File.WriteAllText(Path.Combine(folder, $"{name}.key"), CertificateIssuer.KeyPem(issued));
            return ClusterCertificates.Load(Path.Combine(folder, $"{name}.pem"), Path.Combine(folder, $"{name}.key"), Path.Combine(folder, "ca.pem"));
        }).ToArray();
    }
}
