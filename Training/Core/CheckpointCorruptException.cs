namespace DistGen.Training.Core;

/// <summary>A checkpoint file is truncated, altered or not a DistGen checkpoint of this format; nothing of it was loaded.</summary>
public sealed class CheckpointCorruptException(string path, string reason)
    : Exception($"checkpoint {path} is damaged: {reason}")
{
    public string CheckpointPath { get; } = path;

    public string Reason { get; } = reason;
}
