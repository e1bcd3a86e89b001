using System.Diagnostics;

namespace DistGen.Cluster.Tests;

/// <summary>
/// Makes a run folder unwritable and writable again. As root permissions do not stop anyone, so the folder is marked
/// immutable (chattr +i: no file can be created, renamed or removed in it); as another user it loses its write bit.
/// </summary>
public static class RunFolder
{
    public static void MakeUnwritable(string folder)
    {
        if (Environment.UserName == "root") Run("chattr", "+i", folder);
        else if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
    }

    public static void MakeWritable(string folder)
    {
        if (Environment.UserName == "root") Run("chattr", "-i", folder);
        else if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void Run(string tool, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardError = true })
            ?? throw new InvalidOperationException($"{tool} did not start");
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed: {process.StandardError.ReadToEnd()}");
    }
}
