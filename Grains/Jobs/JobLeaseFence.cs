using DistGen.Training.Core;

namespace DistGen.Grains.Jobs;

/// <summary>
/// Keeps every runner but the lease holder out of a job's run folder. A runner writes its lease number into the
/// folder's <see cref="FileName"/> when it claims the run; before each artifact write it checks that the file still holds
/// its number. A runner that froze (or whose silo was presumed dead) and woke up after another took over finds a newer
/// lease there and stops without writing. The run folder is shared by every silo, so the check needs no grain call.
/// </summary>
/// <remarks>
/// What it does not close: the check and the write after it (a rename, an append) are two file-system operations, and a
/// shared POSIX folder offers no compare-and-swap across files (a lock would trade this for a takeover blocked by a frozen
/// holder, and NFS locks expire anyway). The check comes after the file is written and flushed, so nothing but the rename
/// or the append is left in the window. A runner frozen inside it for longer than Coordinator:RunnerSilentFor plus a
/// takeover can, when it wakes, replace one file of the new runner or write once into metrics.csv or samples; the check
/// made right after the write (<see cref="ThrowIfSupersededWhileWriting"/>) sees the newer lease, so that runner stops and
/// logs which file it may have replaced. The new runner's next write of a replaced file puts it right; what went into an
/// appended file stays. See docs/architecture.md, "The coordinator's life".
/// </remarks>
public sealed class JobLeaseFence(string folder, long lease) : IArtifactFence
{
    public const string FileName = "runner.lease";
    private volatile string? _supersededBy;

    public string WriterId => $"lease{lease}";

    public long Lease => lease;

    /// <summary>Takes the folder for this lease: from now on any older runner's writes are refused.</summary>
    public void Claim()
    {
        var path = Path.Combine(folder, FileName);
        var temporary = $"{path}.{WriterId}.tmp";
        try
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(temporary, lease.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArtifactWriteException(path, e);
        }
    }

    /// <summary>Why this runner was superseded, once it was.</summary>
    public string? SupersededBy => _supersededBy;

    /// <summary>Marks this runner superseded (its record write met a newer lease): every later write is refused.</summary>
    public void Supersede(string reason) => _supersededBy ??= reason;

    public void ThrowIfSuperseded(string artifact)
    {
        if (_supersededBy is null && HoldsTheFolder()) return;
        throw new SupersededRunException($"runner with lease {lease} was superseded ({_supersededBy}); {artifact} not written");
    }

    public void ThrowIfSupersededWhileWriting(string artifact)
    {
        // Read again whatever this runner was told: only the file says whether a newer runner claimed before the write landed.
        if (HoldsTheFolder()) return;
        throw new SupersededRunException($"runner with lease {lease} was superseded while it wrote {artifact} ({_supersededBy}): " +
            $"it may have replaced the new runner's {artifact} or written into it (docs/architecture.md, \"The coordinator's life\")");
    }

    // True while the folder's lease file holds this runner's lease; otherwise marks this runner superseded.
    private bool HoldsTheFolder()
    {
        var holder = ReadHolder();
        if (holder == lease) return true;
        Supersede(holder is null ? $"the run folder's {FileName} is gone" : $"lease {holder} holds the run now");
        return false;
    }

    private long? ReadHolder()
    {
        try
        {
            return long.TryParse(File.ReadAllText(Path.Combine(folder, FileName)), out var holder) ? holder : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // A newer runner's claim makes the folder first: no folder at all (gone, or a file in its place) is a
            // broken run folder, which fails the job with its path, not a takeover, which would leave it running.
            if (!Directory.Exists(folder)) throw new ArtifactWriteException(Path.Combine(folder, FileName), e);
            return null;
        }
    }
}
