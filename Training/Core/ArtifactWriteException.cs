namespace DistGen.Training.Core;

/// <summary>An artifact of a run could not be written (the folder is not writable, the disk is full); names the path.</summary>
public sealed class ArtifactWriteException(string path, Exception inner)
    : IOException($"cannot write {path}: {inner.Message} (check that the run folder exists, is writable by this process and has space)", inner)
{
    public string ArtifactPath { get; } = path;
}
