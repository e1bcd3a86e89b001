using DistGen.Contracts.Jobs;
using DistGen.Grains.Artifacts;
using DistGen.Grains.Security.Tls;

namespace DistGen.Client.Commands;

/// <summary>
/// Fetches a job's artifacts into a local folder: the coordinator's manifest by a grain call, each file over the data
/// plane (<see cref="ArtifactDownload"/>), files of subfolders (an RLHF run's labels/) into the same subfolders. What the
/// manifest says is distrusted: every name must be a plain path (plain names joined by '/', no "..", no leading dot, no
/// other separator; <see cref="PlainNames"/>), no file may exceed <see cref="MaxFileBytes"/>, no name may come twice,
/// and every file needs a SHA-256 and a ticket. All are checked before anything is written, and each file is written
/// beside its final name, checked against the manifest and then renamed, so a refused or broken fetch leaves earlier
/// copies whole and no partial file.
/// </summary>
public static class ArtifactFiles
{
    /// <summary>The largest artifact accepted (a checkpoint holds parameters and Adam moments: 12 bytes per parameter).</summary>
    public const long MaxFileBytes = 64L << 30;

    /// <summary>
    /// Asks the coordinator of <paramref name="jobId"/> for its manifest and downloads every file into
    /// <paramref name="folder"/>, from <paramref name="dataPlane"/> when given, else from the endpoint the manifest names.
    /// Throws <see cref="UntrustedArtifactException"/> before writing anything when the manifest is refused, and
    /// <see cref="ArtifactDownloadException"/> when a download fails. Returns the manifest.
    /// </summary>
    public static async Task<ArtifactManifest> FetchAsync(IGrainFactory grains, string jobId, string folder, string? dataPlane,
        ClusterCertificates? certificates, CancellationToken cancel)
    {
        var manifest = await grains.GetGrain<IJobCoordinatorGrain>(jobId).GetArtifacts();
        return await DownloadAsync(manifest, jobId, folder, dataPlane, certificates, cancel);
    }

    /// <summary>Downloads every file of <paramref name="manifest"/> (a job's or a sweep's, <paramref name="id"/>) as <see cref="FetchAsync"/> does.</summary>
    public static async Task<ArtifactManifest> DownloadAsync(ArtifactManifest manifest, string id, string folder, string? dataPlane,
        ClusterCertificates? certificates, CancellationToken cancel)
    {
        if (manifest.Files.Length == 0) return manifest;
        Check(manifest);
        Directory.CreateDirectory(folder);
        using var download = new ArtifactDownload(dataPlane ?? manifest.DataPlaneEndpoint, certificates);
        foreach (var artifact in manifest.Files)
        {
            var path = PlainNames.Under(folder, artifact.FileName);
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            }
            catch (IOException e)
            {
                throw new ArtifactDownloadException($"{artifact.FileName} cannot be written under {folder}: {e.Message} (a file of a folder's name is in the way; fetch into an empty folder)", unreachable: false, e);
            }
            await download.ToFileAsync(id, artifact, path, cancel);
        }
        return manifest;
    }

    /// <summary>Throws <see cref="UntrustedArtifactException"/> when any file of <paramref name="manifest"/> is refused.</summary>
    public static void Check(ArtifactManifest manifest)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var folders = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var artifact in manifest.Files)
        {
            if (Problem(artifact) is { } problem) throw new UntrustedArtifactException(problem);
            if (!seen.Add(artifact.FileName)) throw new UntrustedArtifactException($"the cluster sent the artifact '{artifact.FileName}' twice");
            var segments = artifact.FileName.Split('/');
            for (int i = 1; i < segments.Length; i++) folders.Add(string.Join('/', segments[..i]));
        }
        // A name that is a file and also the folder of another could not be written both ways.
        if (seen.FirstOrDefault(folders.Contains) is { } both)
            throw new UntrustedArtifactException($"the cluster sent '{both}' both as a file and as a folder of other files; nothing was written");
    }

    /// <summary>Why <paramref name="artifact"/> is refused, or null.</summary>
    public static string? Problem(JobArtifact artifact)
    {
        var name = artifact.FileName ?? "";
        if (!PlainNames.IsPlainPath(name))
            return $"the cluster sent an artifact named '{PlainNames.Printable(name)}', which is not a plain path (names of letters, digits, '.', '_', '-' joined by '/'); nothing was written";
        if (artifact.Size is < 0 or > MaxFileBytes)
            return $"the cluster sent the artifact '{name}' of {artifact.Size} bytes, outside the limit of {MaxFileBytes} bytes; nothing was written";
        if (artifact.Sha256 is not { Length: 64 } hash || !hash.All(char.IsAsciiHexDigit) || string.IsNullOrEmpty(artifact.Ticket))
            return $"the cluster sent the artifact '{name}' without a SHA-256 or a ticket; nothing was written";
        return null;
    }
}

/// <summary>An artifact the console will not write: its name or size is not what a job's run folder holds.</summary>
public sealed class UntrustedArtifactException(string message) : Exception(message);
