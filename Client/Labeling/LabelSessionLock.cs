using DistGen.Training.Rlhf;

namespace DistGen.Client.Labeling;

/// <summary>
/// Keeps a second labelling session off an answers file while one is open: an exclusive lock on a file beside it
/// (<c>ANSWERS.lock</c>, an advisory flock on Linux), which the operating system drops when the session's process ends,
/// however it ends. Two sessions appending to one file would each ask requests the other already answered.
/// </summary>
public sealed class LabelSessionLock : IDisposable
{
    private readonly FileStream _lock;

    private LabelSessionLock(string path, FileStream held) => (Path, _lock) = (path, held);

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>
    /// Takes the lock of <paramref name="answersPath"/>; throws <see cref="LabelSessionBusyException"/> when another session
    /// holds it, <see cref="LabelFileException"/> when the lock file cannot be made.
    /// </summary>
    public static LabelSessionLock Acquire(string answersPath)
    {
        var path = answersPath + ".lock";
        try
        {
            return new LabelSessionLock(path, new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (Exception e) when (e is IOException && File.Exists(path))
        {
            throw new LabelSessionBusyException(
                $"{answersPath}: another distgen label session is answering into it (it holds {path}); quit that session first, or give --answers a file of your own");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LabelFileException(answersPath, 0, $"cannot create the session lock {path} beside it ({e.Message})");
        }
    }

    public void Dispose()
    {
        // Removed while still held, so no other session can be holding it: a session that opened it meanwhile failed to lock it.
        try
        {
            File.Delete(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A lock file left behind is harmless: the lock itself ends with the handle.
        }
        _lock.Dispose();
    }
}

/// <summary>Another labelling session holds the answers file's lock.</summary>
public sealed class LabelSessionBusyException(string message) : Exception(message);
