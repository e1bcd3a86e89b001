using System.Collections.Concurrent;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Artifacts;
using DistGen.Grains.Security.Tls;

namespace DistGen.Grains.JobPages;

/// <summary>A job's latest sample as a page shows it: an image (samples.png) or text (samples.txt, samples.jsonl), and its SHA-256.</summary>
public sealed record JobSample(string FileName, string Kind, string Sha256);

/// <summary>
/// Brings a job's latest sample to the silo that serves its page: the coordinator's manifest of that one file, then the
/// file itself over the data plane from the coordinator's silo (as <c>distgen fetch</c> downloads it), kept in this
/// process's temporary folder until a newer one (another SHA-256) replaces it. Only the sample files below are served.
/// </summary>
public sealed class JobSampleFiles(IGrainFactory grains, TransportSecurity security) : IDisposable
{
    /// <summary>The files a page shows as the job's sample, in the order they are looked for, with their kind and content type.</summary>
    public static readonly IReadOnlyList<(string FileName, string Kind, string ContentType)> Candidates =
    [
        ("samples.png", "image", "image/png"),
        ("samples.txt", "text", "text/plain; charset=utf-8"),
        ("samples.jsonl", "text", "text/plain; charset=utf-8"),
    ];

    private readonly Lazy<string> _folder = new(() => Directory.CreateTempSubdirectory("distgen-job-pages-").FullName);
    private readonly ConcurrentDictionary<(string Job, string File), (string Sha256, string Path)> _cached = new();

    /// <summary>The newest sample of <paramref name="jobId"/> and its local copy, or null when the job has none yet.</summary>
    public async Task<(JobSample Sample, string Path)?> LatestAsync(string jobId, CancellationToken cancel)
    {
        var coordinator = grains.GetGrain<IJobCoordinatorGrain>(jobId);
        foreach (var (fileName, kind, _) in Candidates)
        {
            var manifest = await coordinator.GetArtifact(fileName);
            if (manifest.Files is not [var file]) continue;
            var sample = new JobSample(fileName, kind, file.Sha256);
            if (_cached.TryGetValue((jobId, fileName), out var cached) && cached.Sha256 == file.Sha256 && File.Exists(cached.Path))
                return (sample, cached.Path);
            var folder = Directory.CreateDirectory(Path.Combine(_folder.Value, jobId)).FullName;
            var path = Path.Combine(folder, $"{file.Sha256[..16]}-{fileName}");
            using (var download = new ArtifactDownload(manifest.DataPlaneEndpoint, security.Certificates))
                await download.ToFileAsync(jobId, file, path, cancel);
            if (_cached.TryGetValue((jobId, fileName), out var older) && older.Path != path) TryDelete(older.Path);
            _cached[(jobId, fileName)] = (file.Sha256, path);
            return (sample, path);
        }
        return null;
    }

    /// <summary>
    /// The local copy of <paramref name="fileName"/> of <paramref name="jobId"/> when it is the version whose SHA-256
    /// starts with <paramref name="shaPrefix"/> (what the page's image URL names): served without asking the cluster again.
    /// </summary>
    public string? Cached(string jobId, string fileName, string? shaPrefix) =>
        shaPrefix is { Length: >= 16 } && _cached.TryGetValue((jobId, fileName), out var cached)
            && cached.Sha256.StartsWith(shaPrefix, StringComparison.Ordinal) && File.Exists(cached.Path) ? cached.Path : null;

    public static string ContentTypeOf(string fileName) => Candidates.Single(c => c.FileName == fileName).ContentType;

    public void Dispose()
    {
        if (!_folder.IsValueCreated) return;
        try
        {
            Directory.Delete(_folder.Value, recursive: true);
        }
        catch (IOException)
        {
            // A page being served still reads a file: the OS's temporary folder keeps what is left.
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
