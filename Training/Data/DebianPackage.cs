namespace DistGen.Training.Data;

/// <summary>
/// Gets a Debian package's files without installing it and without root: <c>apt-get download</c> into a work folder,
/// then <c>dpkg-deb -x</c> into a folder of that work folder.
/// </summary>
internal static class DebianPackage
{
    private const string AptHint = "fetching this data set needs Debian's apt-get and dpkg-deb (packages apt and dpkg)";

    /// <summary>Downloads and unpacks <paramref name="package"/>; returns the root of its unpacked file tree.</summary>
    public static async Task<string> UnpackAsync(string package, string workFolder, string extractFolder, TextWriter log, CancellationToken ct)
    {
        var downloads = Directory.CreateDirectory(Path.Combine(workFolder, "debs")).FullName;
        log.WriteLine($"  apt-get download {package}");
        var download = await ExternalTool.RunAsync("apt-get", ["download", package], downloads, AptHint, ct);
        var deb = Directory.GetFiles(downloads, $"{package}_*.deb").SingleOrDefault();
        if (download.ExitCode != 0 || deb is null)
            throw new DataFetchException(
                $"apt-get download {package} failed (exit {download.ExitCode}): {download.Complaint}. " +
                "The apt package index is probably missing or stale: run `sudo apt-get update` and fetch again.");

        Directory.CreateDirectory(extractFolder);
        log.WriteLine($"  dpkg-deb -x {Path.GetFileName(deb)}");
        var extract = await ExternalTool.RunAsync("dpkg-deb", ["-x", deb, extractFolder], downloads, AptHint, ct);
        if (extract.ExitCode != 0)
            throw new DataFetchException($"dpkg-deb -x {Path.GetFileName(deb)} failed (exit {extract.ExitCode}): {extract.Complaint}");
        return extractFolder;
    }

    /// <summary>A file the package must contain, or an error naming the package.</summary>
    public static string RequireFile(string extractFolder, string relativePath, string package)
    {
        var path = Path.Combine(extractFolder, relativePath);
        if (!File.Exists(path)) throw new DataFetchException($"Debian package {package} has no {relativePath}; its layout changed");
        return path;
    }
}
