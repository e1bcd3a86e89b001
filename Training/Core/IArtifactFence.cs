namespace DistGen.Training.Core;

/// <summary>
/// Decides whether a run's writer may still write its artifacts. On the cluster a run can be taken over by another
/// coordinator activation (its silo froze, or was presumed dead); the run folder is shared, so the superseded writer
/// must stop before it writes over the new one's metrics, samples or checkpoints.
/// </summary>
public interface IArtifactFence
{
    /// <summary>A name unique to this writer, used in its temporary files so two writers never share one.</summary>
    string WriterId { get; }

    /// <summary>Throws <see cref="SupersededRunException"/> when another writer holds the run now.</summary>
    void ThrowIfSuperseded(string artifact);

    /// <summary>
    /// Checked again right after <paramref name="artifact"/> was renamed into place or appended to: throws
    /// <see cref="SupersededRunException"/> when another writer took the run in between, so a write that may have
    /// replaced the new writer's file is reported, never silent (a file system cannot make the check and the rename one step).
    /// </summary>
    void ThrowIfSupersededWhileWriting(string artifact);
}

/// <summary>The fence of a run with one writer for its whole life (the single-process trainer, tests): never closes.</summary>
public sealed class SoleWriter : IArtifactFence
{
    public static SoleWriter Instance { get; } = new();

    public string WriterId => "sole";

    public void ThrowIfSuperseded(string artifact) { }

    public void ThrowIfSupersededWhileWriting(string artifact) { }
}
