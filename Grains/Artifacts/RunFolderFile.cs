using DistGen.Contracts.Jobs;

namespace DistGen.Grains.Artifacts;

/// <summary>
/// Opens a file of a run folder by its plain path for a manifest or a download, never through a link: the file and every
/// folder between it and the run folder must be real, before the open and again after it (a folder swapped for a link
/// in between is caught by the second look). Throws <see cref="FileNotFoundException"/> for a file that is not there or
/// not reachable that way, so it is simply not offered.
/// </summary>
internal static class RunFolderFile
{
    public static FileStream OpenRead(string folder, string plainPath)
    {
        var path = PlainNames.Under(folder, plainPath);
        Require(folder, plainPath);
        var file = FilePrefix.OpenRead(path);
        try
        {
            Require(folder, plainPath);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    // Each step below the run folder: the folders, then the file itself.
    private static void Require(string folder, string plainPath)
    {
        var step = folder;
        foreach (var segment in plainPath.Split('/'))
        {
            step = Path.Combine(step, segment);
            var info = new FileInfo(step);
            if (info.LinkTarget is not null)
                throw new FileNotFoundException($"{plainPath} reaches its run folder's file through a link, which is never served", plainPath);
        }
    }
}
