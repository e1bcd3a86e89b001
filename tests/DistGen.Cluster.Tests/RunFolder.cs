namespace DistGen.Cluster.Tests;

/// <summary>
/// Makes a run folder unwritable and writable again, for root as for anyone: the folder is moved aside and a file
/// takes its place, so creating, renaming or appending any file under its path fails (ENOTDIR). Permission bits stop no
/// root process, and chattr +i needs CAP_LINUX_IMMUTABLE and a file system that supports it (not overlayfs).
/// </summary>
public static class RunFolder
{
    private const string InTheWay = "a file in the run folder's place (a fault test)";

    public static void MakeUnwritable(string folder)
    {
        Directory.Move(folder, AsideOf(folder));
        File.WriteAllText(folder, InTheWay);
    }

    public static void MakeWritable(string folder)
    {
        if (File.Exists(folder) && File.ReadAllText(folder) == InTheWay) File.Delete(folder);
        if (Directory.Exists(AsideOf(folder))) Directory.Move(AsideOf(folder), folder);
    }

    private static string AsideOf(string folder) => folder + ".aside";
}
