using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace DistGen.Cluster.Tests;

/// <summary>
/// A process a test started: output captured (the last lines kept for failure messages), stopped with SIGTERM or
/// killed with its whole tree. Every one still alive is killed when the test host exits or the object is
/// finalised; and a reaper shell kills it should the test host die without running any of that (SIGKILL, a crash),
/// so a failed or aborted run leaves no silo or redis-server behind.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private const int Sigterm = 15;
    private const int Sigstop = 19;
    private const int Sigcont = 18;
    private static readonly ConcurrentDictionary<int, Process> Alive = new();
    private readonly Process _process;
    private Process? _reaper;
    private readonly Queue<string> _tail = new();
    private readonly StringBuilder _stdout = new();

    static ChildProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var process in Alive.Values) KillTree(process);
    };

    private ChildProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    ~ChildProcess()
    {
        KillTree(_process);
        if (_reaper is not null) KillTree(_reaper);
    }

    /// <summary>A short name for messages.</summary>
    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything written to stdout so far.</summary>
    public string StandardOutput { get { lock (_tail) return _stdout.ToString(); } }

    /// <summary>The last lines of stdout and stderr, for failure messages.</summary>
    public string Tail { get { lock (_tail) return string.Join('\n', _tail); } }

    /// <summary>Starts <paramref name="file"/> with <paramref name="arguments"/> and extra environment variables.</summary>
    public static ChildProcess Start(string name, string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = BuiltPrograms.RepositoryRoot,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var process = new Process { StartInfo = start };
        var child = new ChildProcess(process, name);
        process.OutputDataReceived += (_, e) => child.Capture(e.Data, toStdout: true);
        process.ErrorDataReceived += (_, e) => child.Capture(e.Data, toStdout: false);
        process.Start();
        Alive[process.Id] = process;
        child._reaper = StartReaper(process.Id);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Asks the process to stop (SIGTERM), as Kubernetes or systemd would.</summary>
    public void Terminate()
    {
        if (!_process.HasExited && kill(_process.Id, Sigterm) != 0)
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed with errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Freezes the process (SIGSTOP), as a node that stalls (a long GC pause, a hung VM) would; <see cref="Resume"/> thaws it.</summary>
    public void Freeze() => Signal(Sigstop, "STOP");

    /// <summary>Lets a frozen process run again (SIGCONT).</summary>
    public void Resume() => Signal(Sigcont, "CONT");

    private void Signal(int signal, string name)
    {
        if (!_process.HasExited && kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill -{name} {_process.Id} failed with errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Kills the process at once (SIGKILL), as a crashed node would vanish.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
    }

    /// <summary>Waits for the process to exit; false when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            Alive.TryRemove(_process.Id, out _);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, then the whole process tree killed if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) return;
        try
        {
            Terminate();
        }
        catch (InvalidOperationException)
        {
            // Gone between the check and the signal.
        }
        if (!await WaitForExitAsync(grace)) Dispose();
    }

    /// <summary>Kills the process and its children now.</summary>
    public void Dispose()
    {
        KillTree(_process);
        Alive.TryRemove(_process.Id, out _);
        if (_reaper is not null) KillTree(_reaper);
        GC.SuppressFinalize(this);
    }

    // Polls the test host and the child once a second; kills the child when the test host is gone.
    private static Process? StartReaper(int child)
    {
        var script = $"while kill -0 {Environment.ProcessId} 2>/dev/null && kill -0 {child} 2>/dev/null; do sleep 1; done; " +
                     $"kill -0 {Environment.ProcessId} 2>/dev/null || kill -KILL {child} 2>/dev/null";
        try
        {
            return Process.Start(new ProcessStartInfo("/bin/sh", ["-c", script]) { UseShellExecute = false });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private void Capture(string? line, bool toStdout)
    {
        if (line is null) return;
        lock (_tail)
        {
            if (toStdout) _stdout.AppendLine(line);
            _tail.Enqueue(line);
            while (_tail.Count > 60) _tail.Dequeue();
        }
    }

    private static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already gone, or never started.
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
