using System.Buffers;
using System.Security.Cryptography;
using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using Microsoft.Extensions.Options;

namespace DistGen.Grains.Artifacts;

/// <summary>
/// Makes a job's <see cref="ArtifactManifest"/> for <c>GetArtifacts</c>: every file of its run folder and its subfolders
/// (named by plain paths such as <c>labels/iteration-1/answers.jsonl</c>) but the runner's lease, writers' temporary
/// files and links, each with its size, SHA-256 and a download ticket (Artifacts:TicketLifetime), and
/// this silo's data-plane endpoint to download them from. Reads every file once to hash it; sends none.
/// </summary>
public sealed class ArtifactManifests(ArtifactTickets tickets, DataPlaneEndpoint endpoint, IOptions<JobArtifactsOptions> options, TimeProvider? time = null)
{
    private const int ReadBytes = 1 << 20;

    /// <summary>The most files a manifest lists; a run folder with more is refused, not cut short.</summary>
    public const int MaxFiles = 10_000;

    /// <summary>The manifest of <paramref name="jobId"/>'s run folder <paramref name="folder"/> (none yet: no files).</summary>
    public async Task<ArtifactManifest> OfAsync(string jobId, string? folder, CancellationToken cancel = default)
    {
        var expires = (time ?? TimeProvider.System).GetUtcNow() + options.Value.TicketLifetime;
        var files = new List<JobArtifact>();
        if (folder is not null && Directory.Exists(folder))
        {
            // The listing touches the disk without awaiting: off the grain's thread.
            var names = await Task.Run(() => FilesUnder(folder).Take(MaxFiles + 1).ToList(), cancel).ConfigureAwait(false);
            if (names.Count > MaxFiles)
                throw new InvalidOperationException($"the run folder of {jobId} holds more than {MaxFiles:N0} files, more than a manifest lists; copy it from the silos' storage instead");
            foreach (var name in names.Order(StringComparer.Ordinal))
                if (await DescribeAsync(jobId, folder, name, expires, cancel).ConfigureAwait(false) is { } artifact)
                    files.Add(artifact);
        }
        return new ArtifactManifest(jobId, endpoint.Address, [.. files]);
    }

    /// <summary>
    /// The manifest of one file of the run folder, hashing only that file: no files when it is not there (yet).
    /// Throws <see cref="ArgumentException"/> when <paramref name="fileName"/> is not a plain name.
    /// </summary>
    public async Task<ArtifactManifest> OfFileAsync(string jobId, string? folder, string fileName, CancellationToken cancel = default)
    {
        if (!PlainNames.IsPlain(fileName))
            throw new ArgumentException($"'{PlainNames.Printable(fileName)}' is not a file name of a run folder (letters, digits, '.', '_', '-')", nameof(fileName));
        var expires = (time ?? TimeProvider.System).GetUtcNow() + options.Value.TicketLifetime;
        var path = folder is null ? null : Path.Combine(folder, fileName);
        var artifact = path is not null && File.Exists(path) && IsArtifact(path) ? await DescribeAsync(jobId, folder!, fileName, expires, cancel).ConfigureAwait(false) : null;
        return new ArtifactManifest(jobId, endpoint.Address, artifact is null ? [] : [artifact]);
    }

    // Every artifact of the run folder and its subfolders (an RLHF run's labels/ and pretrain/), as plain paths, lazily
    // (so a caller can stop early). Links are skipped, files and folders alike: nothing outside the folder is ever listed.
    private static IEnumerable<string> FilesUnder(string folder) =>
        Directory.EnumerateFiles(folder, "*", new EnumerationOptions
            {
                RecurseSubdirectories = true, MaxRecursionDepth = PlainNames.MaxDepth - 1, IgnoreInaccessible = true,
                AttributesToSkip = FileAttributes.ReparsePoint | FileAttributes.Hidden | FileAttributes.System,
            })
            .Where(IsArtifact)
            .Select(path => Path.GetRelativePath(folder, path).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(PlainNames.IsPlainPath);

    // The lease and temporary files are the run's bookkeeping, not its results; a link is not a file the run wrote.
    private static bool IsArtifact(string path)
    {
        var name = Path.GetFileName(path);
        return PlainNames.IsPlain(name) && !name.EndsWith(".tmp", StringComparison.Ordinal) && name != JobLeaseFence.FileName
            && new FileInfo(path).LinkTarget is null;
    }

    private async Task<JobArtifact?> DescribeAsync(string jobId, string folder, string name, DateTimeOffset expires, CancellationToken cancel)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBytes);
        try
        {
            // Size and hash from one open file: a file replaced meanwhile is described as one version of it.
            await using var file = RunFolderFile.OpenRead(folder, name);
            long size = file.Length;
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await foreach (var chunk in FilePrefix.ChunksAsync(file, size, buffer.AsMemory(0, ReadBytes), cancel).ConfigureAwait(false))
                sha256.AppendData(chunk.Span);
            var hash = sha256.GetHashAndReset();
            return new JobArtifact(name, size, Convert.ToHexStringLower(hash), tickets.Issue(jobId, name, size, hash, expires));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or EndOfStreamException)
        {
            // Rotated away (checkpoint.prev.bin) or truncated while being read: the next manifest lists it as it is then.
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
