using System.Security.Cryptography;
using DistGen.Grains.Artifacts;
using DistGen.Grains.Jobs;
using DistGen.Grains.Security.Tls;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DistGen.Bench;

/// <summary>
/// <c>distgen fetch</c>'s path for a file above Orleans' 100 MiB message limit: the manifest (which hashes the file) and
/// the download over the data plane (ArtifactExchange, 1 MiB chunks, SHA-256 checked, written through a temporary file),
/// h2c and TLS with a viewer's certificate, one process on loopback. The file lives in the temporary folder.
/// </summary>
public static class ArtifactDownloadThroughput
{
    private const string Job = "bench-artifacts";
    private const int MiB = 1 << 20;
    private const int SizeMiB = 256;
    private const int Repeats = 3;

    public static async Task<IEnumerable<string>> RunAsync()
    {
        var folder = Directory.CreateTempSubdirectory("distgen-bench-artifacts-").FullName;
        try
        {
            var runFolder = Directory.CreateDirectory(Path.Combine(folder, "runs", Job)).FullName;
            var output = Directory.CreateDirectory(Path.Combine(folder, "out")).FullName;
            await File.WriteAllBytesAsync(Path.Combine(runFolder, "checkpoint.bin"), RandomNumberGenerator.GetBytes(SizeMiB * MiB));

            var certificates = DataPlaneTlsCost.MakeCertificates(folder, CertificateRole.Silo, CertificateRole.Viewer);
            using var silo = certificates[0];
            using var viewer = certificates[1];
            var sides = new[] { ("h2c", (TransportSecurity?)null, (ClusterCertificates?)null), ("TLS, viewer certificate", new TransportSecurity(silo, allowInsecure: false), viewer) };
            var lines = new List<string>
            {
                "| file | transport | manifest (hash) MiB/s | download MiB/s |",
                "| ---: | --- | ---: | ---: |",
            };
            foreach (var (name, security, clientCertificates) in sides)
            {
                await using var server = await DataPlaneThroughput.StartServerAsync(security, builder =>
                {
                    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Artifacts:Root"] = Path.Combine(folder, "runs") });
                    builder.Services.AddOptions<JobArtifactsOptions>().Bind(builder.Configuration.GetSection("Artifacts"));
                });
                var manifests = ActivatorUtilities.CreateInstance<ArtifactManifests>(server.Services);
                var runs = new List<(double Manifest, double Download)>();
                for (int i = 0; i < Repeats; i++)
                {
                    Contracts.Jobs.ArtifactManifest manifest = null!;
                    double hashing = SizeMiB / await DataPlaneThroughput.TimedAsync(async () => manifest = await manifests.OfAsync(Job, runFolder));
                    var artifact = manifest.Files.Single();
                    using var download = new ArtifactDownload(manifest.DataPlaneEndpoint, clientCertificates);
                    double downloading = SizeMiB / await DataPlaneThroughput.TimedAsync(() =>
                        download.ToFileAsync(Job, artifact, Path.Combine(output, artifact.FileName), CancellationToken.None));
                    runs.Add((hashing, downloading));
                    File.Delete(Path.Combine(output, artifact.FileName));
                }
                double hashed = Median.Of(runs.Select(r => r.Manifest)), downloaded = Median.Of(runs.Select(r => r.Download));
                Console.Error.WriteLine($"  {SizeMiB} MiB, {name}: manifest {hashed:F0} MiB/s, download {downloaded:F0} MiB/s");
                lines.Add($"| {SizeMiB} MiB | {name} | {hashed:F0} | {downloaded:F0} |");
            }
            lines.AddRange(["",
                $"One {SizeMiB} MiB file of random bytes, above Orleans' 100 MiB message limit that the old byte[] grain call hit. Medians of {Repeats} " +
                "repeats. The manifest reads the file once for its SHA-256; the download writes and flushes the copy to disk and " +
                "checks its SHA-256 before renaming it into place, so disk speed is part of both figures."]);
            return lines;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
